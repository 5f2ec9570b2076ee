-- grain: one row per project, role and period ($grain) from the Monday of the as-of week up to $horizon_end
-- params: $as_of, $grain (week, month or quarter), $horizon_end (exclusive)
-- Demand hours per project per role per period, all projects, no what-if (for other
-- modules, e.g. prioritisation). Same day-based definition as capacity/utilisation.
-- needs: demand
WITH demand_days AS (
    SELECT * FROM capacity_demand_days($as_of)
    WHERE work_date >= date_trunc('week', CAST($as_of AS DATE)) AND work_date < CAST($horizon_end AS DATE)
)

SELECT
    project_id,
    role,
    capacity_period(work_date, $grain) AS period_start,
    sum(hours) AS demand_hours,
    coalesce(sum(hours) FILTER (WHERE NOT is_tentative), 0) AS confirmed_hours,
    coalesce(sum(hours) FILTER (WHERE is_tentative), 0) AS tentative_hours
FROM demand_days
GROUP BY ALL
ORDER BY project_id, role, period_start
