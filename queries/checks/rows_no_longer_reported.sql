-- rule: rows_no_longer_reported
-- severity: warning
-- params: $previous_as_of (the day before this upload's as-of)
-- grain: one row per project and table (milestones; raid, open items only) of the upload
-- whose rows in force before this week are not all in it, at the project's first row of
-- that table (its project_id cell): an upload replaces each project's rows of every table it carries, so rows
-- left out stop counting from its week (a pm who sends only the one milestone that
-- changed removes the others, the key go-live included)
WITH sent AS (  -- the upload's rows of both tables, by key
    SELECT 'milestones' AS table_name, project_id, milestone_id AS item_key, _file, _sheet, _row
    FROM typed_milestones
    UNION ALL
    SELECT 'raid', project_id, raid_id, _file, _sheet, _row FROM typed_raid
),

firsts AS (  -- each project's first row of each table
    SELECT * FROM sent
    QUALIFY row_number() OVER (PARTITION BY table_name, project_id ORDER BY _file, _sheet, _row) = 1
),

before AS (  -- the rows in force before this week, of the projects the upload carries
    SELECT 'milestones' AS table_name, project_id, milestone_id AS item_key, milestone_name AS item_name
    FROM milestones_as_of(CAST($previous_as_of AS DATE))
    UNION ALL
    SELECT 'raid', project_id, raid_id, title
    FROM raid_as_of(CAST($previous_as_of AS DATE))
    WHERE coalesce(status, '') <> 'Closed'
),

gone AS (
    SELECT b.table_name, b.project_id, count(*) AS n,
           list(b.item_key || coalesce(' ' || b.item_name, '') ORDER BY b.item_key) AS what
    FROM before AS b
    WHERE (b.table_name, b.project_id) IN (SELECT table_name, project_id FROM firsts)
      AND NOT EXISTS (
          SELECT 1 FROM sent AS s
          WHERE s.table_name = b.table_name AND s.project_id = b.project_id AND s.item_key = b.item_key
      )
    GROUP BY ALL
)

SELECT f.table_name, f._file, f._sheet, f._row,
       'project_id' AS column_name,  -- the project's, whose rows are missing
       f.project_id AS value,
       f.project_id || ': ' || CAST(g.n AS VARCHAR) || ' ' || noun || CASE WHEN g.n = 1 THEN '' ELSE 's' END
       || ' in force before this week ' || CASE WHEN g.n = 1 THEN 'is' ELSE 'are' END || ' not in this file ('
       || array_to_string(g.what[1:5], ', ') || CASE WHEN g.n > 5 THEN ', ...' ELSE '' END
       || '). An upload replaces a project''s ' || noun || 's, so from this week '
       || CASE WHEN g.n = 1 THEN 'it no longer counts' ELSE 'they no longer count' END
       || '. Include ' || CASE WHEN g.n = 1 THEN 'it to keep it' ELSE 'them to keep them' END || '.' AS message
FROM firsts AS f
JOIN gone AS g USING (table_name, project_id)
CROSS JOIN LATERAL (
    SELECT CASE f.table_name WHEN 'milestones' THEN 'milestone' ELSE 'open RAID item' END AS noun
)
