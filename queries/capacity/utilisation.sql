-- grain: one row per period ($grain: week, month or quarter) and row of the heatmap ($by: role, team, role_team or person) within the horizon
-- params: $as_of, $horizon_end (exclusive), $grain, $by, $demand (all, confirmed or tentative), $portfolios, $programmes (lists; empty = all), the what-if lists $exclude_projects, $shift_projects, $shift_weeks, $scale_projects, $scale_pcts, $change_roles, $change_teams, $change_from, $change_hours (empty = baseline), $band_limits (upper limits in %), $band_names (one more than limits), $no_capacity_band
-- Utilisation = demand hours / available hours in the cell. Both sides are spread over
-- working days first (see capacity_demand_days), so a week that spans two months is split
-- between them. Demand dated before the as-of week (Monday) is left out (see
-- capacity/past_demand). A cell with demand but no capacity has no utilisation and the band
-- $no_capacity_band.
-- needs: demand, supply
WITH demand_segments AS (  -- the demand days summed per line and segment (the same sums, fewer rows)
    SELECT * FROM capacity_scenario_segments(
        $as_of, $portfolios, $programmes, $exclude_projects, $shift_projects, $shift_weeks,
        $scale_projects, $scale_pcts, date_trunc('week', CAST($as_of AS DATE)), $horizon_end, $grain
    )
),

supply_days AS (
    SELECT * FROM capacity_scenario_supply($as_of, $change_roles, $change_teams, $change_from, $change_hours, $horizon_end)
    WHERE work_date >= date_trunc('week', CAST($as_of AS DATE)) AND work_date < CAST($horizon_end AS DATE)
),

both_sides AS (
    SELECT role, team, resource_name, segment_start AS work_date,  -- a segment's days share its period
           CASE WHEN NOT is_tentative THEN hours ELSE 0 END AS confirmed_hours,
           CASE WHEN is_tentative THEN hours ELSE 0 END AS tentative_hours,
           CAST(NULL AS DOUBLE) AS capacity_hours
    FROM demand_segments
    UNION ALL
    SELECT role, team, resource_name, work_date, 0, 0, hours
    FROM supply_days
),

cells AS (
    SELECT
        capacity_period(work_date, $grain) AS period_start,
        CASE WHEN $by IN ('role', 'role_team', 'person') THEN role END AS role,
        CASE WHEN $by IN ('team', 'role_team', 'person') THEN coalesce(team, '(no team)') END AS team,
        CASE WHEN $by = 'person' THEN coalesce(resource_name, '(unnamed)') END AS resource_name,
        sum(confirmed_hours) AS confirmed_hours,
        sum(tentative_hours) AS tentative_hours,
        CASE WHEN count(capacity_hours) > 0 THEN greatest(sum(capacity_hours), 0) END AS capacity_hours
    FROM both_sides
    GROUP BY ALL
),

measured AS (
    SELECT *,
           CASE $demand
               WHEN 'confirmed' THEN confirmed_hours
               WHEN 'tentative' THEN tentative_hours
               ELSE confirmed_hours + tentative_hours
           END AS demand_hours
    FROM cells
)

SELECT
    period_start,
    role,
    team,
    resource_name,
    round(demand_hours, 1) AS demand_hours,
    round(confirmed_hours, 1) AS confirmed_hours,
    round(tentative_hours, 1) AS tentative_hours,
    round(capacity_hours, 1) AS capacity_hours,
    coalesce(capacity_hours, 0) > 0 AS has_capacity,
    -- the band and the over-allocation count read the utilisation as shown (119.97 shows as
    -- 120.0 and is banded so), never a band that contradicts the figure beside it
    CASE WHEN capacity_hours > 0 THEN round(100 * demand_hours / capacity_hours, 1) END AS utilisation_pct,
    CASE
        WHEN coalesce(capacity_hours, 0) <= 0 THEN -1
        ELSE len(list_filter($band_limits, lambda x: x <= round(100 * demand_hours / capacity_hours, 1)))
    END AS band_index,
    CASE
        WHEN coalesce(capacity_hours, 0) <= 0 THEN $no_capacity_band
        ELSE $band_names[1 + len(list_filter($band_limits, lambda x: x <= round(100 * demand_hours / capacity_hours, 1)))]
    END AS band
FROM measured
WHERE demand_hours > 0 OR coalesce(capacity_hours, 0) > 0
ORDER BY role NULLS FIRST, team NULLS FIRST, resource_name NULLS FIRST, period_start
