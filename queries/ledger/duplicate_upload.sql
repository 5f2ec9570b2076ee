-- grain: one row per live (accepted, not retracted) upload of the same file for the same
-- week, none of whose rows a later upload for that week has replaced
-- params: $sha256, $as_of
-- row_counts: the rows it stored per table (JSON): the caller then compares the rows
-- themselves (ingest/upload_rows.sql), since the same bytes read another way (another
-- mapping, a Jira export for another project, another workflow) are another upload
WITH same_file AS (
    SELECT upload_id, committed_at, user_email, file_name, row_counts
    FROM accepted_uploads
    WHERE sha256 = $sha256
      AND as_of_date = CAST($as_of AS DATE)
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

SELECT f.upload_id, f.committed_at, f.user_email, f.file_name, f.row_counts
FROM same_file AS f
WHERE f.upload_id NOT IN (SELECT upload_id FROM replaced)
ORDER BY f.committed_at DESC
