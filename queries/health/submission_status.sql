-- view: submission_status
-- grain: one row per project in the portfolio as of $as_of, in scope, with its project
-- manager now (views/project_owners: an admin's reassignment, else the latest report's): the week of its last report and weeks since (weeks_stale), whether it reported
-- for the as-of week, on time or late (committed more than health.late_after_days after the
-- week) or missing (expected to report: macros/epmo_expected_to_report), the expected fields (health.expected_fields) it left blank, and for how many
-- consecutive reported weeks its row has been identical (unchanged_weeks); a week
-- confirmed unchanged (epmo/weekly.py) counts as reported, on time or late by the
-- confirmation's own commit, is flagged confirmed_unchanged, and adds no row to
-- unchanged_weeks (nothing was copied forward)
-- params: $as_of, $portfolios, $programmes
-- needs: project_report_hashes
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

-- every week's report of each project in scope up to the as-of week (the last commit of
-- the week), its content hashed: views/project_report_hashes, computed once per connection
reports AS (
    SELECT project_id, as_of_date, row_hash
    FROM project_report_hashes_memo()
    WHERE as_of_date <= CAST($as_of AS DATE)
      AND project_id IN (SELECT project_id FROM projects)
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
    coalesce(o.project_manager, p.project_manager) AS project_manager,
    p.project_id,
    p.project_name,
    p.portfolio,
    p.stage,
    p.as_of_date AS last_as_of_date,
    p.weeks_stale,
    p.weeks_stale = 0 AS submitted_for_week,
    c.committed_at,
    CASE  -- a closed project that still reports is not expected: not counted on time either
        WHEN NOT epmo_expected_to_report(p.stage) THEN 'not expected'
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
LEFT JOIN project_owners AS o USING (project_id)
ORDER BY project_manager, epmo_natural_key(p.project_id)
