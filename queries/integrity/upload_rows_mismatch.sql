-- check: every accepted, non-retracted upload has exactly the rows its ledger row counts (row_counts JSON)
-- grain: one row per (live upload, table) whose stored row count differs from the ledger's
-- source: raw_uploads and raw_data_rows (every data table of the contract)
WITH live AS (
    SELECT DISTINCT upload_id, row_counts
    FROM raw_uploads
    WHERE event = 'accepted'
      AND upload_id NOT IN (SELECT upload_id FROM raw_uploads WHERE event = 'retracted')
),

expected AS (
    SELECT upload_id, table_name, CAST(row_counts ->> ('$.' || table_name) AS BIGINT) AS expected_rows
    FROM (SELECT upload_id, row_counts, unnest(json_keys(row_counts)) AS table_name FROM live)
),

stored AS (
    SELECT table_name, upload_id, count(*) AS stored_rows
    FROM raw_data_rows
    WHERE upload_id IN (SELECT upload_id FROM live)
    GROUP BY ALL
)

SELECT
    upload_id,
    table_name,
    coalesce(e.expected_rows, 0) AS expected_rows,
    coalesce(s.stored_rows, 0) AS stored_rows,
    'upload ' || upload_id || ': ' || table_name || ' holds ' || coalesce(s.stored_rows, 0)
    || ' rows; the ledger counts ' || coalesce(e.expected_rows, 0) AS problem
FROM expected AS e
FULL JOIN stored AS s USING (upload_id, table_name)
WHERE coalesce(e.expected_rows, 0) <> coalesce(s.stored_rows, 0)
ORDER BY upload_id, table_name
