-- view: flow_backlog_weeks
-- grain: one row per reporting week, on or before $as_of, from which a work_items
-- submission of project $project_id was in force (the weeks of its forecast trend)
-- params: $project_id, $as_of
SELECT valid_from AS week_date
FROM submission_validity
WHERE table_name = 'work_items' AND entity_key = $project_id AND valid_from <= CAST($as_of AS DATE)
ORDER BY week_date
