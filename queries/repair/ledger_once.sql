-- grain: one ledger row per (upload_id, event): the earliest (what `python -m epmo repair` rewrites a damaged ledger to)
-- source: raw_uploads
SELECT *
FROM raw_uploads
QUALIFY row_number() OVER (
    PARTITION BY upload_id, event ORDER BY event_at, user_email, note, file_name
) = 1
