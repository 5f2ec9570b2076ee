-- view: uploads (the ledger as people read it)
-- grain: one row per accepted upload, newest first, retracted ones flagged
SELECT
    upload_id,
    as_of_date,
    committed_at,
    user_email,
    file_name,
    sha256,
    tables,
    row_counts,
    mapping_name,
    CASE WHEN is_retracted THEN 'retracted' ELSE 'accepted' END AS status,
    retracted_at,
    retracted_by,
    retraction_reason
FROM accepted_uploads
ORDER BY committed_at DESC, upload_id
