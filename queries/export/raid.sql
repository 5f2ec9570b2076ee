-- view: raid
-- grain: one row per current raid record as of $as_of (with as_of_date and weeks_stale)
-- params: $as_of
SELECT * EXCLUDE (upload_id), upload_id
FROM raid_as_of(CAST($as_of AS DATE))
ORDER BY project_id, raid_id
