-- grain: one row per role with demand dated before the as-of week
-- params: $as_of, $portfolios, $programmes (lists; empty = all)
-- Demand whose working days fall before the Monday of the as-of week (typically in stale
-- submissions). It is not piled onto the current week: the heatmap leaves it out and the
-- page shows it here.
-- needs: demand
WITH demand_segments AS (  -- the demand days summed per line and segment (the same sums, fewer rows)
    SELECT * FROM capacity_scenario_segments(
        $as_of, $portfolios, $programmes, [], [], [], [], [], NULL, date_trunc('week', CAST($as_of AS DATE)), 'month'
    )
)

SELECT
    role,
    round(coalesce(sum(hours) FILTER (WHERE NOT is_tentative), 0), 1) AS confirmed_hours,
    round(coalesce(sum(hours) FILTER (WHERE is_tentative), 0), 1) AS tentative_hours,
    count(DISTINCT project_id) AS project_count,
    min(first_date) AS first_date,
    max(last_date) AS last_date
FROM demand_segments
GROUP BY role
ORDER BY role
