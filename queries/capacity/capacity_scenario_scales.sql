-- macro: capacity_scenario_scales(scale_projects, scale_pcts)
-- Part of the group that capacity/capacity_scenario_shifts.sql describes.
CREATE OR REPLACE MACRO capacity_scenario_scales(scale_projects, scale_pcts) AS TABLE
SELECT project_id, product(pct / 100.0) AS factor
FROM (SELECT unnest(scale_projects) AS project_id, unnest(scale_pcts) AS pct)
GROUP BY project_id;
