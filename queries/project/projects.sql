-- grain: one row per project in the portfolio as of $as_of, in scope: id and name, for
-- choosing a project
-- params: $as_of, $portfolios, $programmes
SELECT project_id, project_name, portfolio, programme, stage
FROM projects_as_of(CAST($as_of AS DATE))
WHERE epmo_in_scope(portfolio, programme, $portfolios, $programmes)
ORDER BY project_id
