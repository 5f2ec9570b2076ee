-- check: every upload id is in the ledger once per event ('accepted' once, 'retracted' at most once)
-- grain: one row per (upload_id, event) written more than once
-- source: raw_uploads
SELECT
    upload_id,
    event,
    count(*) AS times,
    'upload ' || upload_id || ' has ' || count(*) || ' ''' || event
    || ''' events in the ledger (expected one)' AS problem
FROM raw_uploads
GROUP BY upload_id, event
HAVING count(*) > 1
ORDER BY upload_id, event
