-- grain: one row per stored row of one upload in one table (its contract columns only)
-- params: $table (raw_<contract table>: an allow-listed name, bound, never spliced), $upload_id
SELECT * EXCLUDE (upload_id, source_row)
FROM query_table($table)
WHERE upload_id = $upload_id
