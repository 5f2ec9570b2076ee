-- macro: capacity_scenario_demand
-- needs: demand
-- Part of the group that capacity/capacity_scenario_shifts.sql describes.
CREATE OR REPLACE MACRO capacity_scenario_demand(
    as_of, portfolios, programmes, exclude_projects, shift_projects, shift_weeks, scale_projects, scale_pcts
) AS TABLE
WITH shifts AS (SELECT * FROM capacity_scenario_shifts(shift_projects, shift_weeks)),

scales AS (SELECT * FROM capacity_scenario_scales(scale_projects, scale_pcts)),

in_scope AS (  -- read only when a filter is set
    SELECT project_id
    FROM projects_as_of(CAST(as_of AS DATE))
    WHERE (len(portfolios) > 0 OR len(programmes) > 0)
      AND (len(portfolios) = 0 OR list_contains(portfolios, portfolio))
      AND (len(programmes) = 0 OR list_contains(programmes, programme))
)

SELECT d.project_id, d.role, d.team, d.resource_name, d.is_tentative,
       CAST(d.work_date + 7 * CAST(coalesce(s.weeks, 0) AS INTEGER) AS DATE) AS work_date,
       d.hours * coalesce(f.factor, 1.0) AS hours
FROM capacity_demand_days(as_of) AS d
LEFT JOIN shifts AS s USING (project_id)
LEFT JOIN scales AS f USING (project_id)
WHERE NOT list_contains(exclude_projects, d.project_id)
  AND ((len(portfolios) = 0 AND len(programmes) = 0) OR d.project_id IN (SELECT project_id FROM in_scope));
