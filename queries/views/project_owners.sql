-- view: project_owners
-- grain: one row per project ever reported in an accepted, unretracted upload: who manages it
-- and which portfolio it belongs to now. The one definition of both, read by the PM rules
-- (access/project_managers) and by a scoped connection's choice of projects
-- (access/scope_projects, over the unscoped rows).
-- source: raw_projects, accepted_uploads, raw_access (an admin's assign_pm events)
-- A project belongs to the portfolio of its latest accepted, unretracted report (by as-of
-- week, then commit time), for every week: a project moved from A to B is B's, history
-- included. Its manager is an admin's latest assign_pm when there is one, else that
-- report's project_manager; manager_email is that address trimmed and in lower case.
CREATE OR REPLACE VIEW project_owners AS
WITH reported AS (
    SELECT p.project_id, p.project_manager, p.portfolio
    FROM raw_projects AS p
    JOIN accepted_uploads AS u ON u.upload_id = p.upload_id AND NOT u.is_retracted
    WHERE p.project_id IS NOT NULL
    QUALIFY row_number() OVER (
        PARTITION BY p.project_id ORDER BY u.as_of_date DESC, u.committed_at DESC, p.source_row DESC
    ) = 1
),

assigned AS (
    SELECT project_id, email AS project_manager
    FROM raw_access
    WHERE event = 'assign_pm'
    QUALIFY row_number() OVER (PARTITION BY project_id ORDER BY event_at DESC) = 1
),

owners AS (
    SELECT
        r.project_id,
        coalesce(a.project_manager, r.project_manager) AS project_manager,
        r.portfolio,
        a.project_id IS NOT NULL AS is_reassigned
    FROM reported AS r
    LEFT JOIN assigned AS a ON a.project_id = r.project_id
)

SELECT
    project_id,
    project_manager,
    lower(trim(coalesce(project_manager, ''))) AS manager_email,
    portfolio,
    is_reassigned
FROM owners;
