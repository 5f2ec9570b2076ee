-- rule: duplicate_key
-- severity: error
-- grain: one row per row whose key repeats an earlier row of the same table in the upload
-- Rows whose typed key (hashed) repeats, or whose key holds a '|' (the separator of
-- key_text), are the candidates: every repeated key_text is among them, and only they are
-- sorted. (row_keys is read twice rather than through a shared CTE, which DuckDB would
-- materialise.)
WITH repeated AS (
    SELECT table_name, key_hash FROM row_keys GROUP BY ALL HAVING count(*) > 1
),

candidates AS (
    SELECT k.*
    FROM row_keys AS k
    WHERE k.key_has_pipe OR (k.table_name, k.key_hash) IN (SELECT (table_name, key_hash) FROM repeated)
),

numbered AS (
    SELECT c.*,
           first_value(_row) OVER w AS first_row,
           first_value(_file) OVER w AS first_file,
           row_number() OVER w AS occurrence
    FROM candidates AS c
    WINDOW w AS (PARTITION BY table_name, key_text ORDER BY _file, _sheet, _row)
)

SELECT table_name, _file, _sheet, _row, key_columns AS column_name, key_text AS value,
       'Duplicate: same ' || key_columns || ' as row ' || first_row
       || '. Keep one row per key.' AS message
FROM numbered
WHERE occurrence > 1
