-- view: not_submitted
-- grain: one row per project manager with at least one project in the portfolio as of
-- $as_of that is expected to report (macros/epmo_expected_to_report) and has not reported
-- for the week (no upload and no confirmation): how many, which, and the week of the
-- oldest last report; the manager is the one now (views/project_owners: an admin's
-- reassignment, else the latest report's), who is the one to remind; of the projects in
-- the sidebar's portfolios and programmes
-- params: $as_of, $portfolios (list; empty = all), $programmes (list; empty = all)
SELECT
    coalesce(o.project_manager, p.project_manager) AS project_manager,
    count(*) AS projects_missing,
    string_agg(p.project_id, ', ' ORDER BY p.project_id) AS project_ids,
    string_agg(p.project_name, '; ' ORDER BY p.project_id) AS project_names,
    min(p.as_of_date) AS oldest_report
FROM projects_as_of(CAST($as_of AS DATE)) AS p
LEFT JOIN project_owners AS o USING (project_id)
WHERE p.weeks_stale > 0 AND epmo_expected_to_report(p.stage)
  AND epmo_in_scope(p.portfolio, p.programme, $portfolios, $programmes)
GROUP BY ALL
ORDER BY projects_missing DESC, project_manager
