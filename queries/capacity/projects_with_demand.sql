-- grain: one row per project with demand from the Monday of the as-of week on (what-if pickers)
-- params: $as_of, $portfolios, $programmes (lists; empty = all)
-- Projects that a what-if can leave out, shift or scale, biggest demand first.
-- needs: demand
WITH demand_segments AS (  -- the demand days summed per line and segment (the same sums, fewer rows)
    SELECT * FROM capacity_scenario_segments(
        $as_of, $portfolios, $programmes, [], [], [], [], [], date_trunc('week', CAST($as_of AS DATE)), NULL, 'month'
    )
),

names AS (
    SELECT project_id, project_name FROM capacity_projects($as_of)  -- projects_as_of, memoised
)

SELECT d.project_id, any_value(n.project_name) AS project_name, round(sum(d.hours), 1) AS demand_hours,
       min(d.first_date) AS first_date, max(d.last_date) AS last_date
FROM demand_segments AS d
LEFT JOIN names AS n USING (project_id)
GROUP BY d.project_id
ORDER BY demand_hours DESC, d.project_id
