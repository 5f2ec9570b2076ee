-- macro: capacity_scenario_shifts(shift_projects, shift_weeks)
-- needs: demand
-- (the first of the group capacity/capacity_scenario_demand: capacity_scenario_shifts, capacity_scenario_scales, capacity_scenario_demand, capacity_by_month, capacity_scenario_segments)
-- grain: one row per demand record and working day (see capacity_demand_days) after the
-- what-if: projects in exclude_projects left out; each project in shift_projects moved by
-- shift_weeks (same position; several entries add up) whole weeks, so a working day stays a
-- working day; each project in scale_projects multiplied by scale_pcts / 100 (several
-- entries multiply). portfolios / programmes (empty = all) keep the projects in them.
-- Empty lists give the baseline.
-- A what-if's shifts (weeks summed per project) and scales (factors multiplied per project),
-- shared by capacity_scenario_demand and capacity_scenario_segments.
CREATE OR REPLACE MACRO capacity_scenario_shifts(shift_projects, shift_weeks) AS TABLE
SELECT project_id, sum(weeks) AS weeks
FROM (SELECT unnest(shift_projects) AS project_id, unnest(shift_weeks) AS weeks)
GROUP BY project_id;
