-- grain: one row per period ($grain) and row ($by: role, team, role_team or person) within the horizon
-- params: $as_of, $horizon_end (exclusive), $grain, $by, $demand (all, confirmed or tentative), $portfolios, $programmes, the what-if lists $exclude_projects, $shift_projects, $shift_weeks, $scale_projects, $scale_pcts, $change_roles, $change_teams, $change_from, $change_hours, $fte_hours_per_week, $top_n
-- Shortage = demand hours - available hours (positive: short; negative: spare). FTE short =
-- shortage hours / (fte_hours_per_week / 5 x the period's working days in the horizon).
-- top_projects: the $top_n projects with the most demand in a short cell, with their hours.
-- needs: demand, supply
WITH demand_segments AS (  -- the demand days summed per line and segment (the same sums, fewer rows)
    SELECT * FROM capacity_scenario_segments(
        $as_of, $portfolios, $programmes, $exclude_projects, $shift_projects, $shift_weeks,
        $scale_projects, $scale_pcts, date_trunc('week', CAST($as_of AS DATE)), $horizon_end, $grain
    )
    WHERE ($demand = 'all' OR is_tentative = ($demand = 'tentative'))
),

supply_days AS (
    SELECT * FROM capacity_scenario_supply($as_of, $change_roles, $change_teams, $change_from, $change_hours, $horizon_end)
    WHERE work_date >= date_trunc('week', CAST($as_of AS DATE)) AND work_date < CAST($horizon_end AS DATE)
),

calendar AS (
    SELECT capacity_period(work_date, $grain) AS period_start, count(*) AS working_days
    FROM (
        SELECT CAST(unnest(generate_series(
            CAST(date_trunc('week', CAST($as_of AS DATE)) AS DATE), CAST($horizon_end AS DATE) - 1, INTERVAL 1 DAY
        )) AS DATE) AS work_date
    )
    WHERE isodow(work_date) <= 5
    GROUP BY ALL
),

keyed_demand AS (
    SELECT
        capacity_period(segment_start, $grain) AS period_start,
        CASE WHEN $by IN ('role', 'role_team', 'person') THEN role END AS role,
        CASE WHEN $by IN ('team', 'role_team', 'person') THEN coalesce(team, '(no team)') END AS team,
        CASE WHEN $by = 'person' THEN coalesce(resource_name, '(unnamed)') END AS resource_name,
        project_id,
        sum(hours) AS hours
    FROM demand_segments
    GROUP BY ALL
),

keyed_supply AS (
    SELECT
        capacity_period(work_date, $grain) AS period_start,
        CASE WHEN $by IN ('role', 'role_team', 'person') THEN role END AS role,
        CASE WHEN $by IN ('team', 'role_team', 'person') THEN coalesce(team, '(no team)') END AS team,
        CASE WHEN $by = 'person' THEN coalesce(resource_name, '(unnamed)') END AS resource_name,
        greatest(sum(hours), 0) AS capacity_hours
    FROM supply_days
    GROUP BY ALL
),

drivers AS (
    -- the $top_n projects of a cell by hours, most first (ties: project_id order): min_by keeps
    -- the first n of each cell, where ranking every cell's projects with a window cost most of
    -- the query
    SELECT period_start, role, team, resource_name,
           sum(hours) AS demand_hours,
           nullif(array_to_string(
               list_transform(
                   min_by({'project_id': project_id, 'hours': hours}, (-hours, project_id), greatest($top_n, 1))
                       [1:greatest($top_n, 0)],
                   lambda p: p.project_id || ' (' || CAST(round(p.hours) AS BIGINT) || ' h)'
               ),
               ', '
           ), '') AS top_projects
    FROM keyed_demand
    GROUP BY ALL
),

cells AS (
    SELECT
        coalesce(d.period_start, s.period_start) AS period_start,
        coalesce(d.role, s.role) AS role,
        coalesce(d.team, s.team) AS team,
        coalesce(d.resource_name, s.resource_name) AS resource_name,
        coalesce(d.demand_hours, 0) AS demand_hours,
        coalesce(s.capacity_hours, 0) AS capacity_hours,
        d.top_projects
    FROM drivers AS d
    FULL JOIN keyed_supply AS s
        ON d.period_start = s.period_start
        AND d.role IS NOT DISTINCT FROM s.role
        AND d.team IS NOT DISTINCT FROM s.team
        AND d.resource_name IS NOT DISTINCT FROM s.resource_name
)

SELECT
    c.period_start,
    c.role,
    c.team,
    c.resource_name,
    round(c.demand_hours, 1) AS demand_hours,
    round(c.capacity_hours, 1) AS capacity_hours,
    round(c.demand_hours - c.capacity_hours, 1) AS shortage_hours,
    round((c.demand_hours - c.capacity_hours) / ($fte_hours_per_week / 5.0 * k.working_days), 2) AS shortage_fte,
    CASE WHEN c.demand_hours > c.capacity_hours THEN c.top_projects ELSE '' END AS top_projects
FROM cells AS c
JOIN calendar AS k USING (period_start)
WHERE c.demand_hours > 0 OR c.capacity_hours > 0
ORDER BY c.role NULLS FIRST, c.team NULLS FIRST, c.resource_name NULLS FIRST, c.period_start
