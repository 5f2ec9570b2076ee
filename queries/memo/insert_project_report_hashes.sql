-- grain: inserts every project's weekly report hash (project_report_hashes) into
-- project_report_hash_memo, sorted by project so that a project's weeks sit together
INSERT INTO project_report_hash_memo
SELECT * FROM project_report_hashes()
ORDER BY project_id, as_of_date
