-- grain: one row per live (accepted, not retracted) upload of the same file, read the same
-- way, for the same week, none of whose rows a later upload for that week has replaced
-- params: $sha256, $as_of, $mapping_name (the ledger's: a saved mapping's name, import:<layout>, '')
-- submission_keys: what the upload reported, 'table_name|entity_key', sorted: the caller
-- compares them with what the new upload would report (the same export sent for another
-- project is not a duplicate)
WITH same_file AS (
    SELECT upload_id, committed_at, user_email, file_name
    FROM accepted_uploads
    WHERE sha256 = $sha256
      AND as_of_date = CAST($as_of AS DATE)
      AND coalesce(mapping_name, '') = $mapping_name
      AND NOT is_retracted
),

their_rows AS (
    SELECT f.upload_id, f.committed_at, s.table_name, s.entity_key
    FROM same_file AS f
    INNER JOIN raw_submissions AS s ON s.upload_id = f.upload_id
),

live_same_week AS (
    SELECT upload_id, committed_at
    FROM accepted_uploads
    WHERE as_of_date = CAST($as_of AS DATE) AND NOT is_retracted
),

replaced AS (
    SELECT DISTINCT r.upload_id
    FROM their_rows AS r
    INNER JOIN raw_submissions AS later
        ON later.table_name = r.table_name AND later.entity_key = r.entity_key
    INNER JOIN live_same_week AS l
        ON l.upload_id = later.upload_id AND l.committed_at > r.committed_at
)

SELECT
    f.upload_id,
    f.committed_at,
    f.user_email,
    f.file_name,
    list(r.table_name || '|' || r.entity_key ORDER BY r.table_name, r.entity_key) AS submission_keys
FROM same_file AS f
INNER JOIN their_rows AS r ON r.upload_id = f.upload_id
WHERE f.upload_id NOT IN (SELECT upload_id FROM replaced)
GROUP BY f.upload_id, f.committed_at, f.user_email, f.file_name
ORDER BY f.committed_at
