-- view: milestone_slippage
-- grain: one row per milestone as of $as_of, in scope (or of one project when $project_id
-- is not ''): slip in days against baseline (actual date once achieved, else forecast) and
-- the change in slip since $previous (blank when the milestone was not reported then)
-- params: $as_of, $previous, $portfolios, $programmes, $project_id
-- The rows in force each week come from the per-connection memos of projects_as_of and
-- milestones_as_of (the as-of row memos in views/), not from a scan of every week ever submitted.
-- needs: projects, milestones
WITH projects AS (
    SELECT project_id, project_name, portfolio
    FROM projects_as_of_memo(CAST($as_of AS DATE))
    WHERE epmo_in_scope(portfolio, programme, $portfolios, $programmes)
      AND ($project_id = '' OR project_id = $project_id)
),

after AS (
    SELECT
        m.project_id,
        m.milestone_id,
        m.milestone_name,
        coalesce(m.is_key, false) AS is_key,
        m.baseline_date,
        m.forecast_date,
        m.actual_date,
        date_diff('day', m.baseline_date, coalesce(m.actual_date, m.forecast_date)) AS slip_days
    FROM milestones_as_of_memo(CAST($as_of AS DATE)) AS m
    WHERE ($project_id = '' OR m.project_id = $project_id)
),

before AS (
    SELECT
        m.project_id,
        m.milestone_id,
        date_diff('day', m.baseline_date, coalesce(m.actual_date, m.forecast_date)) AS slip_days
    FROM milestones_as_of_memo(CAST($previous AS DATE)) AS m
    WHERE ($project_id = '' OR m.project_id = $project_id)
)

SELECT
    a.project_id,
    p.project_name,
    p.portfolio,
    a.milestone_id,
    a.milestone_name,
    a.is_key,
    a.baseline_date,
    a.forecast_date,
    a.actual_date,
    a.slip_days,
    a.slip_days - b.slip_days AS slip_change_days
FROM after AS a
JOIN projects AS p USING (project_id)
LEFT JOIN before AS b USING (project_id, milestone_id)
ORDER BY a.slip_days DESC NULLS LAST, a.project_id, a.milestone_id
