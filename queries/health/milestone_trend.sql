-- grain: one row per reporting week on or before $as_of and key milestone of the projects
-- in $project_ids: the forecast (or actual) date as reported that week. Weeks a project did
-- not report have no row (a trend of what was said, not carried forward).
-- params: $as_of, $project_ids (list)
-- A week's report of a project is the submission that won that week (the latest accepted,
-- non-retracted one of the week: last committed, then highest upload_id), which
-- submission_validity (views/submission_validity.sql) already holds, one row per week.
WITH reports AS (
    SELECT v.upload_id, v.entity_key AS project_id, v.valid_from AS as_of_date
    FROM submission_validity AS v
    WHERE v.table_name = 'milestones'
      AND v.valid_from <= CAST($as_of AS DATE)
      AND list_contains($project_ids, v.entity_key)
),

-- key milestones of these projects in every stored week (list_has_any is a filter the
-- Parquet scan applies itself; list_contains became a join over every key milestone)
milestones AS (
    SELECT *
    FROM raw_milestones AS m
    WHERE list_has_any($project_ids, [m.project_id]) AND coalesce(m.is_key, false)
)

SELECT
    r.as_of_date AS report_date,
    m.project_id,
    m.milestone_id,
    m.milestone_name,
    m.baseline_date,
    coalesce(m.actual_date, m.forecast_date) AS forecast_date,
    m.actual_date IS NOT NULL AS is_achieved
FROM milestones AS m
JOIN reports AS r ON r.upload_id = m.upload_id AND r.project_id = m.project_id
ORDER BY m.project_id, m.milestone_id, r.as_of_date
