-- view: milestones
-- grain: one row per current milestones record as of $as_of (with as_of_date and weeks_stale)
-- params: $as_of
SELECT * EXCLUDE (upload_id), upload_id
FROM milestones_as_of(CAST($as_of AS DATE))
ORDER BY project_id, milestone_id
