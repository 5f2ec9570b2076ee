-- grain: one row per reporting week on or before $as_of and key milestone of the projects
-- in $project_ids: the forecast (or actual) date as reported that week. Weeks a project did
-- not report have no row (a trend of what was said, not carried forward).
-- params: $as_of, $project_ids (list)
-- A week's report of a project is the submission that won that week (the latest accepted,
-- non-retracted one of the week: last committed, then highest upload_id), as
-- key_milestone_history (the as-of row memos in views/) lists it for every week; this reads the
-- connection's memo of it (`IN (SELECT unnest(...))` is a semi join that keeps only these
-- projects' rows).
-- needs: key_milestones
SELECT
    report_date,
    project_id,
    milestone_id,
    milestone_name,
    baseline_date,
    forecast_date,
    is_achieved
FROM key_milestone_history_memo()
WHERE project_id IN (SELECT unnest(CAST($project_ids AS VARCHAR [])))
  AND report_date <= CAST($as_of AS DATE)
ORDER BY project_id, milestone_id, report_date
