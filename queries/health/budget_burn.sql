-- grain: one row per month of the time-phased financials as of $as_of, in scope (or one
-- project when $project_id is not ''): cumulative planned, actual and forecast cost.
-- Forecast = actual cost for months before the as-of month, forecast cost (else planned)
-- from it on. Projects without financials are not in these curves (budget_bac_total counts
-- only the projects that are).
-- params: $as_of, $portfolios, $programmes, $project_id
-- (projects_as_of, kept per connection and week: the as-of row memos in views/)
-- needs: projects
WITH projects AS (
    SELECT project_id, budget_bac
    FROM projects_as_of_memo(CAST($as_of AS DATE))
    WHERE epmo_in_scope(portfolio, programme, $portfolios, $programmes)
      AND ($project_id = '' OR project_id = $project_id)
),

financials AS (
    SELECT f.*
    FROM financials_as_of(CAST($as_of AS DATE)) AS f
    JOIN projects AS p USING (project_id)
),

budget AS (
    SELECT sum(budget_bac) AS budget_bac_total
    FROM projects
    WHERE project_id IN (SELECT project_id FROM financials)
),

monthly AS (
    SELECT
        period_start AS month_date,
        sum(planned_cost) AS planned_cost,
        sum(actual_cost) FILTER (WHERE period_start < date_trunc('month', CAST($as_of AS DATE)))
            AS actual_cost,
        sum(
            CASE
                WHEN period_start < date_trunc('month', CAST($as_of AS DATE)) THEN actual_cost
                ELSE coalesce(forecast_cost, planned_cost)
            END
        ) AS forecast_cost
    FROM financials
    GROUP BY period_start
)

SELECT
    m.month_date,
    m.planned_cost,
    m.actual_cost,
    m.forecast_cost,
    sum(m.planned_cost) OVER w AS planned_cumulative,
    CASE WHEN m.month_date < date_trunc('month', CAST($as_of AS DATE))
        THEN sum(coalesce(m.actual_cost, 0)) OVER w END AS actual_cumulative,
    sum(m.forecast_cost) OVER w AS forecast_cumulative,
    b.budget_bac_total
FROM monthly AS m
CROSS JOIN budget AS b
WINDOW w AS (ORDER BY m.month_date)
ORDER BY m.month_date
