-- view: capacity
-- grain: one row per current capacity record as of $as_of (with as_of_date and weeks_stale)
-- params: $as_of
SELECT * EXCLUDE (upload_id), upload_id
FROM capacity_as_of(CAST($as_of AS DATE))
ORDER BY team, role, resource_name, period_start
