-- grain: one row per project, role and month from the as-of month on (for $horizon_months
-- months): the hours the project needs (confirmed and tentative allocations; weekly
-- periods roll up to the month they start in).
-- params: $as_of, $horizon_months
WITH bounds AS (
    SELECT
        date_trunc('month', CAST($as_of AS DATE)) AS first_month,
        date_trunc('month', CAST($as_of AS DATE)) + to_months(CAST($horizon_months AS INTEGER)) AS end_month
),

allocations AS (
    SELECT project_id, role, CAST(date_trunc('month', period_start) AS DATE) AS period_start, hours
    FROM allocations_as_of(CAST($as_of AS DATE))
)

SELECT a.project_id, a.role, a.period_start, sum(a.hours) AS demand_hours
FROM allocations AS a, bounds AS b
WHERE a.period_start >= b.first_month AND a.period_start < b.end_month AND a.hours > 0
GROUP BY ALL
ORDER BY a.project_id, a.role, a.period_start
