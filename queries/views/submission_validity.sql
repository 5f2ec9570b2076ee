-- view: submission_validity
-- grain: one row per contract table, entity (project_id; team for capacity) and reporting
-- week with a live submission: the submission in force from that week (the latest accepted,
-- non-retracted one of the week: last committed, then highest upload_id) until valid_to,
-- the next week the entity was submitted again (NULL: still in force).
-- Built once per snapshot connection (store.register_snapshot) as a table, so the as-of
-- views find each week's submissions with a range lookup instead of ranking every
-- submission again in every query. current_submissions_weeks reads it.
-- A confirmation ("no change this week", epmo/weekly.py) is a submission without data
-- rows: submission_id is the confirmation, upload_id the data upload it confirms (the
-- entity's latest earlier submission that carried rows), so every as-of view reads the
-- confirmed rows once, for the confirmed week, and nothing is copied or counted twice.
CREATE OR REPLACE TABLE submission_validity AS
WITH live_uploads AS (
    SELECT upload_id, as_of_date, committed_at, is_confirmation
    FROM accepted_uploads
    WHERE NOT is_retracted AND as_of_date IS NOT NULL
),

week_winners AS (
    SELECT s.table_name, s.entity_key, s.upload_id, u.as_of_date, u.is_confirmation
    FROM raw_submissions AS s
    JOIN live_uploads AS u USING (upload_id)
    QUALIFY row_number() OVER (
        PARTITION BY s.table_name, s.entity_key, u.as_of_date
        ORDER BY u.committed_at DESC, s.upload_id DESC
    ) = 1
),

resolved AS (
    SELECT
        table_name,
        entity_key,
        last_value(CASE WHEN NOT is_confirmation THEN upload_id END IGNORE NULLS) OVER (
            PARTITION BY table_name, entity_key ORDER BY as_of_date
            ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
        ) AS upload_id,
        upload_id AS submission_id,
        is_confirmation,
        as_of_date AS valid_from,
        coalesce(
            lead(as_of_date) OVER (PARTITION BY table_name, entity_key ORDER BY as_of_date),
            DATE '9999-12-31'
        ) AS valid_to
    FROM week_winners
)

SELECT *
FROM resolved
WHERE upload_id IS NOT NULL
ORDER BY table_name, entity_key, valid_from;
