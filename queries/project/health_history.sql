-- grain: one row per reporting week on or before $as_of (the last 52) in which project
-- $project_id was in the portfolio: its health as of that week (carried forward when it
-- did not report; weeks_stale says so)
-- needs: health(history)  (the health of every week it shows)
-- params: $project_id, $as_of
-- The weeks are listed once (the memo's filter and its prepared-weeks check both use them).
WITH history AS MATERIALIZED (
    SELECT history_weeks(CAST($as_of AS DATE)) AS shown
)

SELECT h.*
FROM project_health_weeks((SELECT shown FROM history)) AS h
WHERE h.project_id = $project_id
ORDER BY h.week_date
