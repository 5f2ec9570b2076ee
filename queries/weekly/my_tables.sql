-- view: my_tables
-- grain: one row per contract table and project of $project_ids with a submission in force
-- as of $as_of: the week of its rows, how many weeks old, and whether that week was a
-- confirmation (stale tables are the ones not reported for the week)
-- params: $as_of, $project_ids
SELECT
    entity_key AS project_id,
    table_name,
    as_of_date AS reported_week,
    weeks_stale,
    is_confirmation AS confirmed_unchanged,
    submission_id,
    upload_id AS rows_from_upload
FROM current_submissions(CAST($as_of AS DATE))
WHERE table_name <> 'capacity'
  AND list_contains(CAST($project_ids AS VARCHAR []), entity_key)
ORDER BY project_id, table_name
