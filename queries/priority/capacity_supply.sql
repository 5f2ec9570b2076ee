-- grain: one row per role and month from the as-of month on (for $horizon_months months):
-- the hours available to projects, summed over teams (and people).
-- params: $as_of, $horizon_months
WITH bounds AS (
    SELECT
        date_trunc('month', CAST($as_of AS DATE)) AS first_month,
        date_trunc('month', CAST($as_of AS DATE)) + to_months(CAST($horizon_months AS INTEGER)) AS end_month
),

capacity AS (
    SELECT role, CAST(date_trunc('month', period_start) AS DATE) AS period_start, available_hours
    FROM capacity_as_of(CAST($as_of AS DATE))
)

SELECT c.role, c.period_start, sum(c.available_hours) AS capacity_hours
FROM capacity AS c, bounds AS b
WHERE c.period_start >= b.first_month AND c.period_start < b.end_month
GROUP BY ALL
ORDER BY c.role, c.period_start
