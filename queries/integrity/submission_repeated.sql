-- check: each (upload, table, entity) is in submissions once (a repeat multiplies the rows of every as-of view)
-- grain: one row per repeated (upload_id, table_name, entity_key)
-- source: raw_submissions
SELECT
    upload_id,
    table_name,
    entity_key,
    count(*) AS times,
    'upload ' || upload_id || ': submission of ' || table_name || ' ' || coalesce(entity_key, '(blank)')
    || ' stored ' || count(*) || ' times' AS problem
FROM raw_submissions
GROUP BY upload_id, table_name, entity_key
HAVING count(*) > 1
ORDER BY upload_id, table_name, entity_key
