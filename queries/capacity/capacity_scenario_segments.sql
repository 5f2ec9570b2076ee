-- macro: capacity_scenario_segments
-- Part of the group that capacity/capacity_scenario_shifts.sql describes.
-- needs: demand
CREATE OR REPLACE MACRO capacity_scenario_segments(
    as_of, portfolios, programmes, exclude_projects, shift_projects, shift_weeks, scale_projects, scale_pcts,
    from_date, to_date, grain
) AS TABLE
WITH shifts AS (SELECT * FROM capacity_scenario_shifts(shift_projects, shift_weeks)),

scales AS (SELECT * FROM capacity_scenario_scales(scale_projects, scale_pcts)),

in_scope AS (  -- read only when a filter is set (capacity_projects: projects_as_of, memoised)
    SELECT project_id
    FROM capacity_projects(as_of)
    WHERE (len(portfolios) > 0 OR len(programmes) > 0)
      AND (len(portfolios) = 0 OR list_contains(portfolios, portfolio))
      AND (len(programmes) = 0 OR list_contains(programmes, programme))
),

whole AS (  -- the projects not shifted: their months or segments entirely within the bounds
    SELECT project_id, role, team, resource_name, is_tentative, segment_start, first_date, last_date, hours
    FROM capacity_demand_segments(as_of)
    WHERE NOT capacity_by_month(as_of, from_date, to_date, grain)
      AND (from_date IS NULL OR segment_start >= CAST(from_date AS DATE))  -- (the memo is in segment order:
      AND (to_date IS NULL OR segment_start < capacity_segment(CAST(to_date AS DATE)))  -- these skip row groups)
      AND (len(shift_projects) = 0 OR NOT list_contains(shift_projects, project_id))
    UNION ALL
    SELECT project_id, role, team, resource_name, is_tentative, segment_start, first_date, last_date, hours
    FROM capacity_demand_months(as_of)
    WHERE capacity_by_month(as_of, from_date, to_date, grain)
      AND (from_date IS NULL OR NOT before_monday)
      AND (to_date IS NULL OR CASE
          WHEN CAST(to_date AS DATE) = CAST(date_trunc('week', CAST(as_of AS DATE)) AS DATE) THEN before_monday
          ELSE month_start < CAST(to_date AS DATE)
      END)
      AND (len(shift_projects) = 0 OR NOT list_contains(shift_projects, project_id))
),

moved_days AS (
    -- the days of the shifted projects, moved (demand_memo is in project order: DuckDB reads
    -- only the row groups of these projects)
    SELECT d.project_id, d.role, d.team, d.resource_name, d.is_tentative,
           CAST(d.work_date + 7 * CAST(s.weeks AS INTEGER) AS DATE) AS work_date, d.hours
    FROM capacity_demand_days(as_of) AS d
    JOIN shifts AS s USING (project_id)
    UNION ALL
    -- the days of the other projects in a segment cut by a bound (each condition starts with
    -- a test of the arguments alone: with the bounds on a Monday or a 1st, DuckDB drops the scan)
    SELECT project_id, role, team, resource_name, is_tentative, work_date, hours
    FROM capacity_demand_days(as_of)
    WHERE (
        (coalesce(capacity_segment(CAST(from_date AS DATE)) < CAST(from_date AS DATE), false)
            AND work_date >= CAST(from_date AS DATE) AND work_date < CAST(from_date AS DATE) + 7
            AND capacity_segment(work_date) < CAST(from_date AS DATE))
        OR (coalesce(capacity_segment(CAST(to_date AS DATE)) < CAST(to_date AS DATE), false)
            AND work_date >= capacity_segment(CAST(to_date AS DATE)) AND work_date < CAST(to_date AS DATE))
    )
      AND (len(shift_projects) = 0 OR NOT list_contains(shift_projects, project_id))
),

cut AS (
    SELECT project_id, role, team, resource_name, is_tentative, capacity_segment(work_date) AS segment_start,
           min(work_date) AS first_date, max(work_date) AS last_date, sum(hours) AS hours
    FROM moved_days
    WHERE coalesce(work_date >= CAST(from_date AS DATE), true) AND coalesce(work_date < CAST(to_date AS DATE), true)
    GROUP BY ALL
)

SELECT d.project_id, d.role, d.team, d.resource_name, d.is_tentative, d.segment_start, d.first_date, d.last_date,
       d.hours * coalesce(f.factor, 1.0) AS hours
FROM (SELECT * FROM whole UNION ALL SELECT * FROM cut) AS d
LEFT JOIN scales AS f USING (project_id)
WHERE NOT list_contains(exclude_projects, d.project_id)
  AND ((len(portfolios) = 0 AND len(programmes) = 0) OR d.project_id IN (SELECT project_id FROM in_scope));
