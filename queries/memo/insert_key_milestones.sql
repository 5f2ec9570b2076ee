-- grain: inserts every key milestone as reported each week (key_milestone_history) into
-- key_milestone_memo, sorted by project so that a project's rows sit together
INSERT INTO key_milestone_memo
SELECT * FROM key_milestone_history()
ORDER BY project_id, milestone_id, report_date
