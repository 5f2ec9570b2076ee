-- grain: one row per role and period ($grain) from the Monday of the as-of week up to $horizon_end
-- params: $as_of, $grain (week, month or quarter), $horizon_end (exclusive)
-- Available hours per role per period, all teams, no what-if (for other modules, e.g.
-- prioritisation). Same day-based definition as capacity/utilisation.
-- needs: supply
WITH supply_days AS (
    SELECT * FROM capacity_supply_days($as_of)
    WHERE work_date >= date_trunc('week', CAST($as_of AS DATE)) AND work_date < CAST($horizon_end AS DATE)
)

SELECT
    role,
    capacity_period(work_date, $grain) AS period_start,
    sum(hours) AS capacity_hours
FROM supply_days
GROUP BY ALL
ORDER BY role, period_start
