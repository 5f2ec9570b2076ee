-- rule: unknown_project
-- severity: error
-- grain: one row per milestone, RAID, allocation or financial row whose project is neither
-- in this upload's projects nor already in the store (naming a known project it looks like)
WITH refs AS (
    SELECT 'milestones' AS table_name, _file, _sheet, _row, project_id FROM typed_milestones
    UNION ALL
    SELECT 'raid', _file, _sheet, _row, project_id FROM typed_raid
    UNION ALL
    SELECT 'allocations', _file, _sheet, _row, project_id FROM typed_allocations
    UNION ALL
    SELECT 'financials', _file, _sheet, _row, project_id FROM typed_financials
),

known AS (
    SELECT project_id FROM typed_projects
    UNION
    SELECT s.entity_key
    FROM raw_submissions AS s
    JOIN accepted_uploads AS u USING (upload_id)
    WHERE s.table_name = 'projects' AND NOT u.is_retracted
),

unmatched AS (
    SELECT * FROM refs
    WHERE project_id IS NOT NULL AND project_id NOT IN (SELECT project_id FROM known WHERE project_id IS NOT NULL)
),

-- a known project that looks like the unknown id (epmo_skeleton: case, look-alike letters, dashes)
look_alikes AS (
    SELECT u.table_name, u._file, u._sheet, u._row, min(k.project_id) AS look_alike
    FROM unmatched AS u
    JOIN known AS k ON epmo_skeleton(k.project_id) = epmo_skeleton(u.project_id)
    GROUP BY ALL
)

SELECT u.table_name, u._file, u._sheet, u._row, 'project_id' AS column_name, u.project_id AS value,
       'Unknown project: it is not in this upload''s projects table nor in the store. '
       || coalesce('It looks like ' || l.look_alike || ', which is known: type that id exactly (the '
       || 'same letters, case and dashes). ', '')
       || 'Add the project to the projects table, or correct the project_id.' AS message
FROM unmatched AS u
LEFT JOIN look_alikes AS l USING (table_name, _file, _sheet, _row)
