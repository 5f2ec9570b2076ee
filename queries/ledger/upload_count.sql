-- grain: one row: how many uploads the ledger has accepted (retracted ones included)
SELECT count(*) AS upload_count FROM accepted_uploads
