-- grain: one row per project ever reported: its current project manager and portfolio
-- (views/project_owners defines both)
SELECT project_id, project_manager, portfolio, is_reassigned
FROM project_owners
ORDER BY project_id
