-- The query as it was before the as-of memos (bench/NOTES.md, "Fix 4"), kept so that
-- tests/sql/test_as_of_memos.py can prove the rewrite returns the same rows.
-- grain: one row per reporting week on or before $as_of (the last 52) in which project
-- $project_id was in the portfolio: its health as of that week (carried forward when it
-- did not report; weeks_stale says so)
-- health: history (epmo.sql prepares the health of every week it shows)
-- params: $project_id, $as_of
SELECT h.*
FROM project_health_weeks(history_weeks(CAST($as_of AS DATE))) AS h
WHERE h.project_id = $project_id
ORDER BY h.week_date
