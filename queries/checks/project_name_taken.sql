-- rule: project_name_taken
-- severity: error
-- grain: one row per projects row of a project id the store does not know whose name is the
-- name of a project it does know (epmo_name_key: case and spacing aside), in the reports in
-- force before this week: stored, it would be a second project, its budget and counts
-- added to the first's (a Microsoft Project plan titled "Risk Integration 7" became a new
-- project beside PRJ-0007 "Risk Integration 7" with every plan sent)
-- params: $previous_as_of (the day before this upload's as-of)
WITH known AS MATERIALIZED (
    SELECT project_id, project_name, epmo_name_key(project_name) AS name_key
    FROM projects_as_of(CAST($previous_as_of AS DATE))
),

fresh AS (
    SELECT _file, _sheet, _row, project_id, project_name, epmo_name_key(project_name) AS name_key
    FROM typed_projects
    WHERE project_id IS NOT NULL
      AND project_id NOT IN (SELECT project_id FROM known)
),

taken AS (
    SELECT f.*, k.project_id AS other, k.project_name AS other_name
    FROM fresh AS f
    JOIN known AS k USING (name_key)
    QUALIFY row_number() OVER (PARTITION BY f._file, f._sheet, f._row ORDER BY k.project_id) = 1
)

SELECT 'projects' AS table_name, _file, _sheet, _row, 'project_id' AS column_name,
       project_id AS value,
       other || ' is already called ''' || other_name || ''': stored, ' || project_id
       || ' would be a second project of that name, its budget and counts added to ' || other || '''s. '
       || 'If this is ' || other || ', report it as ' || other || ' (a Microsoft Project plan: give the '
       || 'EPMO project id, ingest --project ' || other || ', or the Upload page''s EPMO project id); '
       || 'if it is another project, give it a name of its own.' AS message
FROM taken
ORDER BY _file, _sheet, _row
