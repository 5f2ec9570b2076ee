-- macro: capacity_scenario_demand(as_of, portfolios, programmes, exclude_projects, shift_projects, shift_weeks, scale_projects, scale_pcts) -> table
-- grain: one row per demand record and working day (see capacity_demand_days) after the
-- what-if: projects in exclude_projects left out; each project in shift_projects moved by
-- shift_weeks (same position; several entries add up) whole weeks, so a working day stays a
-- working day; each project in scale_projects multiplied by scale_pcts / 100 (several
-- entries multiply). portfolios / programmes (empty = all) keep the projects in them.
-- Empty lists give the baseline.
CREATE OR REPLACE MACRO capacity_scenario_demand(
    as_of, portfolios, programmes, exclude_projects, shift_projects, shift_weeks, scale_projects, scale_pcts
) AS TABLE
WITH shifts AS (
    SELECT project_id, sum(weeks) AS weeks
    FROM (SELECT unnest(shift_projects) AS project_id, unnest(shift_weeks) AS weeks)
    GROUP BY project_id
),

scales AS (
    SELECT project_id, product(pct / 100.0) AS factor
    FROM (SELECT unnest(scale_projects) AS project_id, unnest(scale_pcts) AS pct)
    GROUP BY project_id
),

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
