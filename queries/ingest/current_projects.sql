-- grain: one row per project of $project_ids with a projects report in force on $as_of:
-- that report's row (the columns a mapping with keep_current carries into a new report)
-- params: $as_of, $project_ids
SELECT *
FROM projects_as_of(CAST($as_of AS DATE))
WHERE project_id IN (SELECT unnest(CAST($project_ids AS VARCHAR[])))
ORDER BY project_id
