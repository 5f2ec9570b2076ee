-- macro: current_submissions_weeks(weeks) -> table
-- grain: one row per week of the list `weeks`, contract table and entity (project_id; team
-- for capacity)
-- The definition of "the portfolio as of week W": for each entity and table, the latest
-- accepted, non-retracted submission of that table with as_of_date <= W (a later commit
-- for the same week supersedes an earlier one), and its age in whole weeks. Taking a list
-- of weeks lets trends and comparisons evaluate several weeks in one pass;
-- current_submissions(as_of) is the one-week form every as-of view uses.
CREATE OR REPLACE MACRO current_submissions_weeks(weeks) AS TABLE
WITH week_list AS (
    SELECT DISTINCT CAST(unnest(weeks) AS DATE) AS week_date
),

live_uploads AS (
    SELECT upload_id, as_of_date, committed_at
    FROM accepted_uploads
    WHERE NOT is_retracted
),

candidates AS (
    SELECT w.week_date, s.table_name, s.entity_key, s.upload_id, u.as_of_date, u.committed_at
    FROM raw_submissions AS s
    JOIN live_uploads AS u USING (upload_id)
    JOIN week_list AS w ON u.as_of_date <= w.week_date
)

SELECT
    week_date,
    table_name,
    entity_key,
    upload_id,
    as_of_date,
    CAST(date_diff('day', as_of_date, week_date) // 7 AS INTEGER) AS weeks_stale
FROM candidates
QUALIFY row_number() OVER (
    PARTITION BY week_date, table_name, entity_key
    ORDER BY as_of_date DESC, committed_at DESC, upload_id DESC
) = 1;
