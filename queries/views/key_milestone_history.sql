-- macro: key_milestone_history()
-- Part of the group that views/projects_memo.sql describes.
-- macro: key_milestone_history() -> table, key_milestone_history_memo() -> table
-- grain: one row per reporting week and key milestone of every project: the milestone as
-- reported in the submission that won that week (submission_validity), with report_date =
-- the week. A milestone trend (health/milestone_trend) reads a few projects of it; their
-- rows are spread over the whole stored history, so each trend read every stored milestone.
-- It does not depend on the as-of week, so each store connection computes it once, sorted
-- by project (a project's rows sit together), when a query first reads it.
CREATE OR REPLACE MACRO key_milestone_history() AS TABLE
SELECT
    v.valid_from AS report_date,
    m.project_id,
    m.milestone_id,
    m.milestone_name,
    m.baseline_date,
    coalesce(m.actual_date, m.forecast_date) AS forecast_date,
    m.actual_date IS NOT NULL AS is_achieved
FROM raw_milestones AS m
JOIN submission_validity AS v
    ON v.upload_id = m.upload_id AND v.entity_key = m.project_id AND v.table_name = 'milestones'
WHERE coalesce(m.is_key, false);
