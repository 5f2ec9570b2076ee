-- table: scope_projects
-- grain: one row per project_id a portfolio-scoped connection may show
-- source: scope_source_projects, scope_source_uploads (the unscoped files, named only while
-- this runs: epmo/store.py register_snapshot drops them before anything else is defined),
-- scope_portfolios (the identity's portfolios, bound values)
-- A project belongs to the portfolio of its latest accepted report (by as-of week, then
-- commit time), for every week: a project moved from A to B is B's, history included.
CREATE OR REPLACE TABLE scope_projects AS
WITH reports AS (
    SELECT p.project_id, p.portfolio
    FROM scope_source_projects AS p
    JOIN scope_source_uploads AS u ON u.upload_id = p.upload_id AND u.event = 'accepted'
    WHERE p.project_id IS NOT NULL
    QUALIFY row_number() OVER (
        PARTITION BY p.project_id ORDER BY u.as_of_date DESC, u.event_at DESC, p.source_row DESC
    ) = 1
)

SELECT project_id
FROM reports
WHERE portfolio IN (SELECT portfolio FROM scope_portfolios)
