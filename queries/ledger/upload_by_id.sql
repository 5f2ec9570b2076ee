-- grain: one row: the accepted upload with this id (none when unknown)
-- params: $upload_id
SELECT * FROM accepted_uploads WHERE upload_id = $upload_id
