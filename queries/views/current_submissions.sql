-- macro: current_submissions(as_of) -> table
-- grain: one row per contract table and entity (project_id; team for capacity)
-- The definition of "the portfolio as of week W": for each entity and table, the latest
-- accepted, non-retracted submission of that table with as_of_date <= W (a later commit
-- for the same week supersedes an earlier one), and its age in whole weeks.
CREATE OR REPLACE MACRO current_submissions(as_of) AS TABLE
WITH live_uploads AS (
    SELECT upload_id, as_of_date, committed_at
    FROM accepted_uploads
    WHERE NOT is_retracted AND as_of_date <= as_of
),

candidates AS (
    SELECT s.table_name, s.entity_key, s.upload_id, u.as_of_date, u.committed_at
    FROM raw_submissions AS s
    JOIN live_uploads AS u USING (upload_id)
)

SELECT
    table_name,
    entity_key,
    upload_id,
    as_of_date,
    CAST(date_diff('day', as_of_date, CAST(as_of AS DATE)) // 7 AS INTEGER) AS weeks_stale
FROM candidates
QUALIFY row_number() OVER (
    PARTITION BY table_name, entity_key
    ORDER BY as_of_date DESC, committed_at DESC, upload_id DESC
) = 1;
