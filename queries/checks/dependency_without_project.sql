-- rule: dependency_without_project
-- severity: warning
-- grain: one row per RAID dependency that names no related_project_id
SELECT 'raid' AS table_name, _file, _sheet, _row, 'related_project_id' AS column_name,
       '' AS value,
       'A dependency should name the project it depends on (related_project_id) so it '
       || 'shows on the dependency map.' AS message
FROM typed_raid
WHERE raid_type = 'Dependency' AND related_project_id IS NULL
