-- grain: one row per reporting week on or before $as_of (the last 52) in which project
-- $project_id was in the portfolio: its health as of that week (carried forward when it
-- did not report; weeks_stale says so)
-- params: $project_id, $as_of
WITH weeks AS (
    SELECT list(DISTINCT as_of_date ORDER BY as_of_date DESC)[1:52] AS week_list
    FROM accepted_uploads
    WHERE NOT is_retracted AND as_of_date <= CAST($as_of AS DATE)
)

SELECT h.*
FROM project_health_compute((SELECT week_list FROM weeks)) AS h
WHERE h.project_id = $project_id
ORDER BY h.week_date
