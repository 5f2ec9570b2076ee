-- view: not_submitted
-- grain: one row per project manager with at least one active project (health.active_stages)
-- in the portfolio as of $as_of that has not reported for the week (no upload and no
-- confirmation): how many, which, and the week of the oldest last report
-- params: $as_of
WITH rules AS (
    SELECT * FROM health_rules
)

SELECT
    p.project_manager,
    count(*) AS projects_missing,
    string_agg(p.project_id, ', ' ORDER BY p.project_id) AS project_ids,
    string_agg(p.project_name, '; ' ORDER BY p.project_id) AS project_names,
    min(p.as_of_date) AS oldest_report
FROM projects_as_of(CAST($as_of AS DATE)) AS p
CROSS JOIN rules
WHERE p.weeks_stale > 0 AND list_contains(rules.active_stages, p.stage)
GROUP BY p.project_manager
ORDER BY projects_missing DESC, p.project_manager
