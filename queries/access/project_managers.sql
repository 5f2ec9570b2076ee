-- grain: one row per project ever reported: its current project manager (an admin's
-- latest assign_pm when there is one, else the project_manager of its latest accepted,
-- unretracted report, by as-of week then commit time)
WITH reported AS (
    SELECT p.project_id, p.project_manager, p.portfolio
    FROM raw_projects AS p
    JOIN accepted_uploads AS u ON u.upload_id = p.upload_id AND NOT u.is_retracted
    WHERE p.project_id IS NOT NULL
    QUALIFY row_number() OVER (
        PARTITION BY p.project_id ORDER BY u.as_of_date DESC, u.committed_at DESC, p.source_row DESC
    ) = 1
),

assigned AS (
    SELECT project_id, email AS project_manager
    FROM raw_access
    WHERE event = 'assign_pm'
    QUALIFY row_number() OVER (PARTITION BY project_id ORDER BY event_at DESC) = 1
)

SELECT
    r.project_id,
    coalesce(a.project_manager, r.project_manager) AS project_manager,
    r.portfolio,
    a.project_id IS NOT NULL AS is_reassigned
FROM reported AS r
LEFT JOIN assigned AS a ON a.project_id = r.project_id
ORDER BY r.project_id
