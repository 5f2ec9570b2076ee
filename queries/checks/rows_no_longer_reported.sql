-- rule: rows_no_longer_reported
-- severity: warning
-- params: $previous_as_of (the day before this upload's as-of)
-- grain: one row per project and table (milestones; raid, open items only) of the upload
-- whose rows in force before this week are not all in it, at the project's first row of
-- that table: an upload replaces each project's rows of every table it carries, so rows
-- left out stop counting from its week (a pm who sends only the one milestone that
-- changed removes the others, the key go-live included)
WITH sent_milestones AS (
    SELECT project_id, _file, _sheet, _row FROM typed_milestones
    QUALIFY row_number() OVER (PARTITION BY project_id ORDER BY _file, _sheet, _row) = 1
),

gone_milestones AS (
    SELECT p.project_id, count(*) AS n,
           list(p.milestone_id || coalesce(' ' || p.milestone_name, '') ORDER BY p.milestone_id) AS what
    FROM milestones_as_of(CAST($previous_as_of AS DATE)) AS p
    WHERE p.project_id IN (SELECT project_id FROM sent_milestones)
      AND NOT EXISTS (
          SELECT 1 FROM typed_milestones AS t
          WHERE t.project_id = p.project_id AND t.milestone_id = p.milestone_id
      )
    GROUP BY p.project_id
),

sent_raid AS (
    SELECT project_id, _file, _sheet, _row FROM typed_raid
    QUALIFY row_number() OVER (PARTITION BY project_id ORDER BY _file, _sheet, _row) = 1
),

gone_raid AS (
    SELECT p.project_id, count(*) AS n,
           list(p.raid_id || coalesce(' ' || p.title, '') ORDER BY p.raid_id) AS what
    FROM raid_as_of(CAST($previous_as_of AS DATE)) AS p
    WHERE p.project_id IN (SELECT project_id FROM sent_raid)
      AND coalesce(p.status, '') <> 'Closed'
      AND NOT EXISTS (
          SELECT 1 FROM typed_raid AS t
          WHERE t.project_id = p.project_id AND t.raid_id = p.raid_id
      )
    GROUP BY p.project_id
),

gone AS (
    SELECT 'milestones' AS table_name, 'milestone_id' AS column_name, 'milestone' AS noun, s.*, g.n, g.what
    FROM sent_milestones AS s JOIN gone_milestones AS g USING (project_id)
    UNION ALL
    SELECT 'raid', 'raid_id', 'open RAID item', s.*, g.n, g.what
    FROM sent_raid AS s JOIN gone_raid AS g USING (project_id)
)

SELECT table_name, _file, _sheet, _row, column_name, project_id AS value,
       project_id || ': ' || CAST(n AS VARCHAR) || ' ' || noun || CASE WHEN n = 1 THEN '' ELSE 's' END
       || ' in force before this week '
       || CASE WHEN n = 1 THEN 'is' ELSE 'are' END || ' not in this file ('
       || array_to_string(what[1:5], ', ') || CASE WHEN n > 5 THEN ', ...' ELSE '' END
       || '). An upload replaces a project''s ' || noun || 's, so from this week '
       || CASE WHEN n = 1 THEN 'it no longer counts' ELSE 'they no longer count' END
       || '. Include ' || CASE WHEN n = 1 THEN 'it to keep it' ELSE 'them to keep them' END || '.' AS message
FROM gone
