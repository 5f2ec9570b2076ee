-- grain: inserts the projects as of $as_of (names and scope) into demand_project_memo
-- params: $as_of
-- Run by epmo.sql with the week's demand (same transaction).
INSERT INTO demand_project_memo
SELECT CAST($as_of AS DATE), project_id, project_name, portfolio, programme
FROM projects_as_of(CAST($as_of AS DATE))
