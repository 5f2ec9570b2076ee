-- The query as it was before the as-of memos (bench/NOTES.md, "Fix 4"), kept so that
-- tests/sql/test_as_of_memos.py can prove the rewrite returns the same rows.
-- grain: one row per reporting week on or before $as_of and key milestone of the projects
-- in $project_ids: the forecast (or actual) date as reported that week. Weeks a project did
-- not report have no row (a trend of what was said, not carried forward).
-- params: $as_of, $project_ids (list)
WITH reports AS (
    SELECT s.upload_id, s.entity_key AS project_id, u.as_of_date, u.committed_at
    FROM raw_submissions AS s
    JOIN accepted_uploads AS u USING (upload_id)
    WHERE s.table_name = 'milestones'
      AND NOT u.is_retracted
      AND u.as_of_date <= CAST($as_of AS DATE)
      AND list_contains($project_ids, s.entity_key)
    QUALIFY row_number() OVER (
        PARTITION BY s.entity_key, u.as_of_date ORDER BY u.committed_at DESC, s.upload_id DESC
    ) = 1
)

SELECT
    r.as_of_date AS report_date,
    m.project_id,
    m.milestone_id,
    m.milestone_name,
    m.baseline_date,
    coalesce(m.actual_date, m.forecast_date) AS forecast_date,
    m.actual_date IS NOT NULL AS is_achieved
FROM raw_milestones AS m
JOIN reports AS r ON r.upload_id = m.upload_id AND r.project_id = m.project_id
WHERE coalesce(m.is_key, false)
ORDER BY m.project_id, m.milestone_id, r.as_of_date
