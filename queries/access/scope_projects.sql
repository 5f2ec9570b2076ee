-- table: scope_projects
-- grain: one row per project_id a scoped connection may show
-- source: project_owners over the unscoped rows (epmo/store.py _register_scope names the
-- unscoped raw_projects, raw_uploads and raw_access only while this runs, then drops them
-- before anything else is defined), scope_portfolios (the identity's portfolios, bound
-- values), scope_managers (a project manager's own address, bound: their own projects are
-- theirs to read, whichever portfolio holds them)
CREATE OR REPLACE TABLE scope_projects AS
SELECT project_id
FROM project_owners
WHERE portfolio IN (SELECT portfolio FROM scope_portfolios)
    OR manager_email IN (SELECT email FROM scope_managers)
