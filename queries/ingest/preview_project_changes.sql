-- grain: one row per project and field that this upload changes against the project's
-- previous report (new projects appear once, with change 'new project')
-- params: $previous_as_of (the upload's as-of date: the report in force for its week before
-- this upload, an earlier upload of the same week, else the project's last report)
WITH incoming AS (
    SELECT * EXCLUDE (_row, _file, _sheet) FROM typed_projects
),

previous AS (
    SELECT * EXCLUDE (upload_id, as_of_date, weeks_stale)
    FROM projects_as_of(CAST($previous_as_of AS DATE))
    WHERE project_id IN (SELECT project_id FROM incoming)
),

incoming_text AS (
    SELECT project_id, coalesce(CAST(COLUMNS(* EXCLUDE (project_id)) AS VARCHAR), '') FROM incoming
),

previous_text AS (
    SELECT project_id, coalesce(CAST(COLUMNS(* EXCLUDE (project_id)) AS VARCHAR), '') FROM previous
),

incoming_long AS (
    UNPIVOT incoming_text
    ON COLUMNS(* EXCLUDE (project_id)) INTO NAME field VALUE after_value
),

previous_long AS (
    UNPIVOT previous_text
    ON COLUMNS(* EXCLUDE (project_id)) INTO NAME field VALUE before_value
)

SELECT
    i.project_id,
    CASE WHEN i.project_id NOT IN (SELECT project_id FROM previous) THEN 'new project'
         ELSE 'changed' END AS change,
    i.field,
    NULLIF(p.before_value, '') AS before_value,
    NULLIF(i.after_value, '') AS after_value
FROM incoming_long AS i
LEFT JOIN previous_long AS p USING (project_id, field)
WHERE (i.project_id NOT IN (SELECT project_id FROM previous) AND i.field = 'project_name')
   OR (i.project_id IN (SELECT project_id FROM previous) AND coalesce(p.before_value, '') <> i.after_value)
ORDER BY i.project_id, i.field
