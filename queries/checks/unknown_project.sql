-- rule: unknown_project
-- severity: error
-- grain: one row per milestone, RAID, allocation, financial or work item row whose project is neither
-- in this upload's projects nor already in the store
WITH refs AS (
    SELECT 'milestones' AS table_name, _file, _sheet, _row, project_id FROM typed_milestones
    UNION ALL
    SELECT 'raid', _file, _sheet, _row, project_id FROM typed_raid
    UNION ALL
    SELECT 'allocations', _file, _sheet, _row, project_id FROM typed_allocations
    UNION ALL
    SELECT 'financials', _file, _sheet, _row, project_id FROM typed_financials
    UNION ALL
    SELECT 'work_items', _file, _sheet, _row, project_id FROM typed_work_items
),

known AS (
    SELECT project_id FROM typed_projects
    UNION
    SELECT s.entity_key
    FROM raw_submissions AS s
    JOIN accepted_uploads AS u USING (upload_id)
    WHERE s.table_name = 'projects' AND NOT u.is_retracted
)

SELECT table_name, _file, _sheet, _row, 'project_id' AS column_name, project_id AS value,
       'Unknown project: it is not in this upload''s projects table nor in the store. '
       || 'Add the project to the projects table, or correct the project_id.' AS message
FROM refs
WHERE project_id IS NOT NULL AND project_id NOT IN (SELECT project_id FROM known WHERE project_id IS NOT NULL)
