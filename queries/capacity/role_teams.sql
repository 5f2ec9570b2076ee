-- grain: one row per role and team with demand (of the projects in scope) or capacity from the
-- Monday of the as-of week up to $horizon_end: the same pairs as the rows of
-- capacity/utilisation by role_team at baseline, without summing them (the what-if's
-- capacity-change form lists them)
-- params: $as_of, $horizon_end (exclusive), $portfolios, $programmes (lists; empty = all)
-- needs: demand, supply
WITH demand AS (
    SELECT role, team
    FROM capacity_scenario_segments(
        $as_of, $portfolios, $programmes, [], [], [], [], [],
        date_trunc('week', CAST($as_of AS DATE)), $horizon_end, 'month'
    )
),

supply AS (
    SELECT role, team
    FROM capacity_supply_days($as_of)
    WHERE work_date >= date_trunc('week', CAST($as_of AS DATE)) AND work_date < CAST($horizon_end AS DATE)
)

SELECT DISTINCT role, team
FROM (
    SELECT * FROM demand
    UNION ALL
    SELECT * FROM supply
)
ORDER BY role, team
