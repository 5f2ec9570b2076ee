-- grain: one row per project with demand from the Monday of the as-of week on (what-if pickers)
-- params: $as_of, $portfolios, $programmes (lists; empty = all)
-- Projects that a what-if can leave out, shift or scale, biggest demand first.
WITH demand_days AS (
    SELECT * FROM capacity_scenario_demand($as_of, $portfolios, $programmes, [], [], [], [], [])
    WHERE work_date >= date_trunc('week', CAST($as_of AS DATE))
),

names AS (
    SELECT project_id, project_name FROM projects_as_of(CAST($as_of AS DATE))
)

SELECT d.project_id, any_value(n.project_name) AS project_name, round(sum(d.hours), 1) AS demand_hours,
       min(d.work_date) AS first_date, max(d.work_date) AS last_date
FROM demand_days AS d
LEFT JOIN names AS n USING (project_id)
GROUP BY d.project_id
ORDER BY demand_hours DESC, d.project_id
