-- macro: project_report_hashes()
-- Part of the group that views/projects_memo.sql describes.
-- grain: one row per project and reporting week: the hash of the project's row in the
-- week's last commit (last committed, then highest upload_id) among the accepted uploads
-- that are not retracted. health/submission_status compares these week by week to count a
-- project's unchanged weeks. They do not depend on the as-of week (the query keeps the
-- weeks up to it and the projects in scope: whole groups, so the last commit of a week is
-- the same), and hashing every stored projects row was most of that query at large scale,
-- so each store connection computes them once, sorted by project, when a query first
-- reads them (project_report_hashes_memo).
CREATE OR REPLACE MACRO project_report_hashes() AS TABLE
WITH content AS (
    SELECT upload_id, project_id, hash(*COLUMNS(* EXCLUDE (upload_id, source_row))) AS row_hash
    FROM raw_projects
)

SELECT
    r.project_id,
    u.as_of_date,
    r.row_hash
FROM content AS r
JOIN accepted_uploads AS u USING (upload_id)
WHERE NOT u.is_retracted
QUALIFY row_number() OVER (
    PARTITION BY r.project_id, u.as_of_date ORDER BY u.committed_at DESC, r.upload_id DESC
) = 1;
