-- grain: one row per live (accepted, not retracted) upload of the same file for the same week
-- params: $sha256, $as_of
SELECT upload_id, committed_at, user_email, file_name
FROM accepted_uploads
WHERE sha256 = $sha256 AND as_of_date = CAST($as_of AS DATE) AND NOT is_retracted
ORDER BY committed_at
