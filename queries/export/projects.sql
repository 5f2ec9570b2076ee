-- view: projects
-- grain: one row per current projects record as of $as_of (with as_of_date and weeks_stale)
-- params: $as_of
SELECT * EXCLUDE (upload_id), upload_id
FROM projects_as_of(CAST($as_of AS DATE))
ORDER BY project_id
