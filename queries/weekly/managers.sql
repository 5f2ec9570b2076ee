-- view: managers
-- grain: one row per project manager of a project in the portfolio as of $as_of: the
-- manager now (views/project_owners: an admin's reassignment, else the latest report's)
-- params: $as_of
SELECT DISTINCT coalesce(o.project_manager, p.project_manager) AS project_manager
FROM projects_as_of(CAST($as_of AS DATE)) AS p
LEFT JOIN project_owners AS o USING (project_id)
WHERE coalesce(o.project_manager, p.project_manager) IS NOT NULL
ORDER BY project_manager
