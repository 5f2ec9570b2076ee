-- grain: one row: how many rows of $table_name the store holds for $upload_id (any table)
-- params: $table_name, $upload_id
-- source: raw_data_rows (every data table of the contract, built with the raw views)
SELECT count(*) AS row_count
FROM raw_data_rows
WHERE table_name = $table_name AND upload_id = $upload_id
