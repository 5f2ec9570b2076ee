-- grain: one row per project in the portfolio as of $as_of, in scope: id and name, for
-- choosing a project
-- params: $as_of, $portfolios, $programmes
-- (projects_as_of, kept per connection and week: the as-of row memos in views/)
-- needs: projects
SELECT project_id, project_name, portfolio, programme, stage
FROM projects_as_of_memo(CAST($as_of AS DATE))
WHERE epmo_in_scope(portfolio, programme, $portfolios, $programmes)
ORDER BY epmo_natural_key(project_id)
