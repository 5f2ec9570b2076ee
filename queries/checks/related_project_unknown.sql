-- rule: related_project_unknown
-- severity: warning
-- grain: one row per RAID row whose related_project_id is neither in this upload's projects
-- nor already in the store (the dependency map would show an arrow to nothing)
WITH known AS (
    SELECT project_id FROM typed_projects WHERE project_id IS NOT NULL
    UNION
    SELECT s.entity_key
    FROM raw_submissions AS s
    JOIN accepted_uploads AS u USING (upload_id)
    WHERE s.table_name = 'projects' AND NOT u.is_retracted AND s.entity_key IS NOT NULL
)

SELECT 'raid' AS table_name, _file, _sheet, _row, 'related_project_id' AS column_name,
       related_project_id AS value,
       'The related project ' || related_project_id || ' is not in this upload''s projects '
       || 'table nor in the store, so the dependency map cannot show it. Correct the id (the '
       || 'same letters, case and dashes as the project''s), or leave it blank if the other side '
       || 'is not a project of the portfolio.' AS message
FROM typed_raid
WHERE related_project_id IS NOT NULL
  AND related_project_id NOT IN (SELECT project_id FROM known)
