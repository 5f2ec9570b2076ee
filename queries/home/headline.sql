-- grain: one row: the portfolio as of $as_of in numbers
-- params: $as_of, $portfolios (list; empty = all), $programmes (list; empty = all)
-- metrics: project_count, reporting_count (reported for this very week), stale_count
-- (last report older than a week), total_bac, total_actual_cost
WITH projects AS (
    SELECT * FROM projects_as_of(CAST($as_of AS DATE))
    WHERE (len($portfolios) = 0 OR list_contains($portfolios, portfolio))
      AND (len($programmes) = 0 OR list_contains($programmes, programme))
)

SELECT
    count(*) AS project_count,
    count(*) FILTER (WHERE weeks_stale = 0) AS reporting_count,
    count(*) FILTER (WHERE weeks_stale >= 1) AS stale_count,
    coalesce(sum(budget_bac), 0) AS total_bac,
    coalesce(sum(actual_cost), 0) AS total_actual_cost,
    count(*) FILTER (WHERE rag_overall = 'Red') AS red_count,
    count(*) FILTER (WHERE rag_overall = 'Amber') AS amber_count,
    count(*) FILTER (WHERE rag_overall = 'Green') AS green_count
FROM projects
