-- view: withheld_access
-- grain: (the explorer, for whoever may not manage access) one row per assign_pm event: the
-- project and the manager an admin gave it, which the project pages show to everyone; the
-- grants (who holds which role and portfolios), who made each change and its note are left out
-- Made on the explorer's own connection before it is locked; raw_access then reads it;
-- the access table's files are then not among the files a query may read
-- (epmo/sandbox.py connect, access.explorer_withheld).
CREATE OR REPLACE TABLE withheld_access AS
SELECT
    event_at,
    event,
    email,
    CAST(NULL AS VARCHAR) AS role,
    CAST(NULL AS VARCHAR) AS portfolios,
    CAST(NULL AS VARCHAR) AS teams,
    project_id,
    CAST(NULL AS VARCHAR) AS by_email,
    CAST(NULL AS VARCHAR) AS via,
    CAST(NULL AS VARCHAR) AS note
FROM raw_access
WHERE event = 'assign_pm';
