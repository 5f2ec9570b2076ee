-- view: managers
-- grain: one row per project manager (email as stored) of a project in the portfolio as of $as_of
-- params: $as_of
SELECT DISTINCT project_manager
FROM projects_as_of(CAST($as_of AS DATE))
WHERE project_manager IS NOT NULL
ORDER BY project_manager
