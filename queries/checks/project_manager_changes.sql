-- rule: project_manager_changes
-- severity: warning
-- grain: one row per projects row of a known project whose project_manager is not the
-- project's manager now (views/project_owners, compared without case): stored, the row makes
-- that person its manager, and only they (or an EPMO admin) may report it from then on; a
-- project an admin reassigned keeps the admin's choice whatever a report says
SELECT 'projects' AS table_name, t._file, t._sheet, t._row, 'project_manager' AS column_name,
       t.project_manager AS value,
       CASE WHEN o.is_reassigned
           THEN 'An EPMO admin made ' || o.project_manager || ' the manager of ' || t.project_id
                || ': this row''s ' || t.project_manager || ' is stored as written, but '
                || o.project_manager || ' stays its manager until an admin reassigns it.'
           ELSE 'The project manager of ' || t.project_id || ' changes from ' || o.project_manager
                || ' to ' || t.project_manager || '. Once stored, ' || t.project_manager
                || ' manages it and only they (or an EPMO admin) may report it. If that is not '
                || 'meant, type ' || o.project_manager || ' exactly.'
       END AS message
FROM typed_projects AS t
JOIN project_owners AS o USING (project_id)
WHERE t.project_manager IS NOT NULL
  AND trim(t.project_manager) <> ''
  AND o.manager_email <> ''
  AND lower(trim(t.project_manager)) <> o.manager_email
