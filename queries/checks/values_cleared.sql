-- rule: values_cleared
-- severity: warning
-- params: $previous_as_of (the day before this upload's as-of)
-- grain: one row per optional projects column whose cells this upload leaves blank for
-- projects whose report in force before this week had a value in it, and one row for all
-- the optional columns left out of the file that had values (at the first such project's
-- row): an upload replaces each project's row, so they blank what was reported before,
-- sponsor, earned value and scores included
WITH optional AS (
    SELECT column_name FROM contract_columns
    WHERE table_name = 'projects' AND NOT is_required
),

before AS (
    UNPIVOT (
        SELECT p.project_id, COLUMNS(* EXCLUDE (project_id))::VARCHAR
        FROM projects_as_of(CAST($previous_as_of AS DATE)) AS p
        WHERE p.project_id IN (SELECT project_id FROM typed_projects)
    )
    ON COLUMNS(* EXCLUDE (project_id))
    INTO NAME column_name VALUE before_value
),

now AS (  -- the upload's non-blank values (UNPIVOT leaves NULLs out)
    UNPIVOT (
        SELECT project_id, COLUMNS(* EXCLUDE (_file, _sheet, _row, project_id))::VARCHAR
        FROM typed_projects
    )
    ON COLUMNS(* EXCLUDE (project_id))
    INTO NAME column_name VALUE now_value
),

rows AS (  -- each uploaded project's first row
    SELECT project_id, _file, _sheet, _row FROM typed_projects
    QUALIFY row_number() OVER (PARTITION BY project_id ORDER BY _file, _sheet, _row) = 1
),

cleared AS (
    SELECT r._file, r._sheet, r._row, b.project_id, b.column_name, b.before_value,
           EXISTS (
               SELECT 1 FROM upload_columns AS u
               WHERE u.table_name = 'projects' AND u.column_name = b.column_name
           ) AS in_file
    FROM before AS b
    JOIN rows AS r USING (project_id)
    WHERE b.column_name IN (SELECT column_name FROM optional)
      AND NOT EXISTS (
          SELECT 1 FROM now AS n WHERE n.project_id = b.project_id AND n.column_name = b.column_name
      )
),

by_column AS (
    SELECT column_name, any_value(in_file) AS in_file, count(*) AS n,
           min((_file, _sheet, _row)) AS first_at,
           list(project_id || ' ''' || left(before_value, 30) || '''' ORDER BY _file, _sheet, _row) AS what
    FROM cleared
    GROUP BY column_name
),

-- the columns left out of the file: one warning for them all, at the first project's row
left_out AS (
    SELECT min(first_at) AS first_at, count(*) AS columns,
           list(column_name || ' (' || array_to_string(what[1:2], ', ')
                || CASE WHEN len(what) > 2 THEN ', ...' ELSE '' END || ')' ORDER BY column_name) AS what
    FROM by_column
    WHERE NOT in_file
    HAVING count(*) > 0
)

SELECT 'projects' AS table_name, first_at[1] AS _file, first_at[2] AS _sheet, first_at[3] AS _row,
       column_name, NULL AS value,
       'Blank here for ' || CAST(n AS VARCHAR)
       || CASE WHEN n = 1 THEN ' project that' ELSE ' projects that' END || ' reported a value before ('
       || array_to_string(what[1:3], ', ') || CASE WHEN n > 3 THEN ', ...' ELSE '' END
       || '). An upload replaces each project''s row, so from this week '
       || CASE WHEN n = 1 THEN 'it is' ELSE 'they are' END || ' blank. Fill the cells in to keep '
       || CASE WHEN n = 1 THEN 'it' ELSE 'them' END || '.' AS message
FROM by_column
WHERE in_file
UNION ALL
SELECT 'projects', first_at[1], first_at[2], first_at[3], '', NULL,  -- the file's, no cell
       CAST(columns AS VARCHAR) || CASE WHEN columns = 1 THEN ' column' ELSE ' columns' END
       || ' with values reported before ' || CASE WHEN columns = 1 THEN 'is' ELSE 'are' END
       || ' not in this file: ' || array_to_string(what[1:6], '; ')
       || CASE WHEN columns > 6 THEN '; and ' || CAST(columns - 6 AS VARCHAR) || ' more' ELSE '' END
       || '. An upload replaces each project''s row, so from this week they are blank. Add the '
       || CASE WHEN columns = 1 THEN 'column' ELSE 'columns' END || ' to keep the values.'
FROM left_out
ORDER BY 5
