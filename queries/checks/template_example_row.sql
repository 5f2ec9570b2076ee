-- rule: template_example_row
-- severity: error
-- grain: one row per projects row that is the template's own example (the project id and
-- name the template shows, contract_columns.example), left in a filled template: stored, it
-- would be one more project in every total
WITH example AS (
    SELECT
        max(example) FILTER (WHERE column_name = 'project_id') AS project_id,
        max(example) FILTER (WHERE column_name = 'project_name') AS project_name
    FROM contract_columns
    WHERE table_name = 'projects'
)

SELECT 'projects' AS table_name, t._file, t._sheet, t._row, 'project_id' AS column_name,
       t.project_id AS value,
       'This is the template''s example row (' || e.project_id || ', ' || e.project_name
       || '), not a project of yours. Delete the row (and the example rows of the other '
       || 'sheets) and upload again.' AS message
FROM typed_projects AS t
CROSS JOIN example AS e
WHERE t.project_id = e.project_id AND t.project_name = e.project_name
