-- rule: duplicate_key
-- severity: error
-- grain: one row per row whose key repeats an earlier row of the same table in the upload
WITH numbered AS (
    SELECT k.*,
           first_value(_row) OVER w AS first_row,
           first_value(_file) OVER w AS first_file,
           row_number() OVER w AS occurrence
    FROM row_keys AS k
    WINDOW w AS (PARTITION BY table_name, key_text ORDER BY _file, _sheet, _row)
)

SELECT table_name, _file, _sheet, _row, key_columns AS column_name, key_text AS value,
       'Duplicate: same ' || key_columns || ' as row ' || first_row
       || '. Keep one row per key.' AS message
FROM numbered
WHERE occurrence > 1
