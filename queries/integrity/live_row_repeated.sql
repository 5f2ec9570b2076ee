-- check: no row of a live (accepted, non-retracted) upload is stored twice, in any data table
-- grain: one row per (table, upload) with repeated rows: how many distinct rows repeat, and the most times one does
-- source: raw_uploads and raw_data_rows (every data table of the contract; a row is compared by the
-- 64-bit hash of all its columns, upload_id and source_row included)
WITH live AS (
    SELECT upload_id FROM raw_uploads WHERE event = 'accepted'
    EXCEPT
    SELECT upload_id FROM raw_uploads WHERE event = 'retracted'
),

repeated AS (
    SELECT table_name, any_value(upload_id) AS upload_id, count(*) AS times
    FROM raw_data_rows
    GROUP BY table_name, row_hash
    HAVING count(*) > 1
)

SELECT
    table_name,
    upload_id,
    count(*) AS rows_repeated,
    max(times) AS max_times,
    'upload ' || upload_id || ': ' || count(*) || ' ' || table_name || ' rows stored more than once (up to '
    || max(times) || ' times)' AS problem
FROM repeated
WHERE upload_id IN (SELECT upload_id FROM live)
GROUP BY table_name, upload_id
ORDER BY table_name, upload_id
