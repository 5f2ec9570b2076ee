-- view: submission_status
-- grain: one row per project in the portfolio as of $as_of, in scope, with its project
-- manager: the week of its last report and weeks since (weeks_stale), whether it reported
-- for the as-of week, on time or late (committed more than health.late_after_days after the
-- week) or missing (expected to report: macros/epmo_expected_to_report), the expected fields (health.expected_fields) it left blank, and for how many
-- consecutive reported weeks its row has been identical (unchanged_weeks); a week
-- confirmed unchanged (epmo/weekly.py) counts as reported, on time or late by the
-- confirmation's own commit, is flagged confirmed_unchanged, and adds no row to
-- unchanged_weeks (nothing was copied forward)
-- params: $as_of, $portfolios, $programmes
WITH rules AS (
    SELECT * FROM health_rules
),

projects AS (
    SELECT p.*
    FROM projects_as_of(CAST($as_of AS DATE)) AS p
    WHERE epmo_in_scope(p.portfolio, p.programme, $portfolios, $programmes)
),

committed AS (
    SELECT upload_id, committed_at FROM accepted_uploads
),

in_force AS (
    SELECT entity_key AS project_id, submission_id, is_confirmation
    FROM current_submissions(CAST($as_of AS DATE))
    WHERE table_name = 'projects'
),

-- every week's report of each project (the last commit of the week), its content hashed
content AS (
    SELECT upload_id, project_id, hash(*COLUMNS(* EXCLUDE (upload_id, source_row))) AS row_hash
    FROM raw_projects
),

reports AS (
    SELECT
        r.project_id,
        u.as_of_date,
        r.row_hash
    FROM content AS r
    JOIN accepted_uploads AS u USING (upload_id)
    WHERE NOT u.is_retracted AND u.as_of_date <= CAST($as_of AS DATE)
      AND r.project_id IN (SELECT project_id FROM projects)
    QUALIFY row_number() OVER (
        PARTITION BY r.project_id, u.as_of_date ORDER BY u.committed_at DESC, r.upload_id DESC
    ) = 1
),

runs AS (
    SELECT
        project_id,
        as_of_date,
        row_hash,
        first_value(row_hash) OVER (PARTITION BY project_id ORDER BY as_of_date DESC) AS latest_hash
    FROM reports
),

unchanged AS (
    SELECT
        project_id,
        count(*) AS unchanged_weeks
    FROM (
        SELECT
            *,
            max(as_of_date) FILTER (WHERE row_hash <> latest_hash) OVER (PARTITION BY project_id)
                AS last_change
        FROM runs
    )
    WHERE last_change IS NULL OR as_of_date > last_change
    GROUP BY project_id
),

blanks AS (
    SELECT
        p.project_id,
        list_filter(
            rules.expected_fields,
            lambda f: coalesce(json_extract(p.row_json, '$.' || f) = 'null'::JSON, true)
        ) AS blank_fields
    FROM (SELECT project_id, stage, to_json(x) AS row_json FROM projects AS x) AS p, rules
    WHERE epmo_expected_to_report(p.stage)
)

SELECT
    p.project_manager,
    p.project_id,
    p.project_name,
    p.portfolio,
    p.stage,
    p.as_of_date AS last_as_of_date,
    p.weeks_stale,
    p.weeks_stale = 0 AS submitted_for_week,
    c.committed_at,
    CASE
        WHEN NOT epmo_expected_to_report(p.stage) THEN 'not expected'  -- the rewrite's rule (2026-12-01)
        WHEN p.weeks_stale > 0 THEN 'missing'
        WHEN c.committed_at > CAST(p.as_of_date AS TIMESTAMPTZ) + to_days(rules.late_after_days + 1)
            THEN 'late'
        ELSE 'on time'
    END AS submission_status,
    array_to_string(coalesce(b.blank_fields, []), ', ') AS missing_required_fields,
    len(coalesce(b.blank_fields, [])) AS missing_field_count,
    u.unchanged_weeks,
    u.unchanged_weeks >= rules.unchanged_weeks AS is_unchanged_too_long,
    epmo_expected_to_report(p.stage) AS is_active,
    coalesce(f.is_confirmation, false) AS confirmed_unchanged
FROM projects AS p
CROSS JOIN rules
LEFT JOIN in_force AS f USING (project_id)
JOIN committed AS c ON c.upload_id = coalesce(f.submission_id, p.upload_id)
LEFT JOIN blanks AS b USING (project_id)
LEFT JOIN unchanged AS u USING (project_id)
ORDER BY p.project_manager, epmo_natural_key(p.project_id)
