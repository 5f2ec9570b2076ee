-- grain: one row per project, role, team and person making up the demand of one heatmap cell
-- params: $as_of, $horizon_end, $grain, $period_start (the cell's period), $role, $team, $resource_name (NULL = any: the heatmap's row keys), $demand, $portfolios, $programmes, the what-if lists $exclude_projects, $shift_projects, $shift_weeks, $scale_projects, $scale_pcts
-- What a heatmap cell is made of (the drill-down): the same demand as capacity/utilisation,
-- restricted to the cell, per project and person, biggest first.
-- needs: demand
WITH demand_segments AS (  -- the demand days summed per line and segment (the same sums, fewer rows)
    SELECT * FROM capacity_scenario_segments(
        $as_of, $portfolios, $programmes, $exclude_projects, $shift_projects, $shift_weeks,
        $scale_projects, $scale_pcts, date_trunc('week', CAST($as_of AS DATE)), $horizon_end, $grain
    )
    WHERE ($demand = 'all' OR is_tentative = ($demand = 'tentative'))
),

names AS (
    SELECT project_id, project_name FROM capacity_projects($as_of)  -- projects_as_of, memoised
),

in_cell AS (
    SELECT *
    FROM demand_segments
    WHERE capacity_period(segment_start, $grain) = CAST($period_start AS DATE)
      AND ($role IS NULL OR role = $role)
      AND ($team IS NULL OR coalesce(team, '(no team)') = $team)
      AND ($resource_name IS NULL OR coalesce(resource_name, '(unnamed)') = $resource_name)
)

SELECT
    c.project_id,
    any_value(n.project_name) AS project_name,
    role,
    coalesce(team, '(no team)') AS team,
    coalesce(resource_name, '(unnamed)') AS resource_name,
    coalesce(sum(hours) FILTER (WHERE NOT is_tentative), 0) AS confirmed_hours,
    coalesce(sum(hours) FILTER (WHERE is_tentative), 0) AS tentative_hours,
    sum(hours) AS demand_hours,  -- not rounded: the rows add up to the cell (pages round)
    100 * sum(hours) / sum(sum(hours)) OVER () AS share_pct
FROM in_cell AS c
LEFT JOIN names AS n USING (project_id)
GROUP BY c.project_id, role, coalesce(team, '(no team)'), coalesce(resource_name, '(unnamed)')
ORDER BY demand_hours DESC, c.project_id, role
