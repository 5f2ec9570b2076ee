-- view: accepted_uploads
-- grain: one row per accepted upload (retracted ones included, flagged is_retracted)
-- source: raw_uploads (the ledger: append-only events 'accepted' and 'retracted')
-- is_confirmation: a "no change this week" confirmation (epmo/weekly.py): a ledger row and
-- submissions but no data rows; its sha256 column holds 'confirm:' and a digest.
CREATE OR REPLACE VIEW accepted_uploads AS
WITH events AS (
    SELECT * FROM raw_uploads
),

retractions AS (
    SELECT upload_id, max(event_at) AS retracted_at, arg_max(user_email, event_at) AS retracted_by,
           arg_max(note, event_at) AS retraction_reason
    FROM events
    WHERE event = 'retracted'
    GROUP BY upload_id
)

SELECT
    a.upload_id,
    a.as_of_date,
    a.event_at AS committed_at,
    a.user_email,
    a.file_name,
    a.sha256,
    a.tables,
    a.row_counts,
    a.mapping_name,
    a.note,
    r.retracted_at,
    r.retracted_by,
    r.retraction_reason,
    r.retracted_at IS NOT NULL AS is_retracted,
    starts_with(coalesce(a.sha256, ''), 'confirm:') AS is_confirmation
FROM events AS a
LEFT JOIN retractions AS r USING (upload_id)
WHERE a.event = 'accepted';
