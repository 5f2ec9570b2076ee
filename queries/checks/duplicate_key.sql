-- rule: duplicate_key
-- severity: error
-- grain: one row per row whose key repeats an earlier row of the same table in the upload,
-- at the key's last column (milestone_id of project_id, milestone_id), naming the earlier
-- row and, when it is in another file or sheet of the upload, that file or sheet
WITH numbered AS (
    SELECT k.*,
           first_value(_row) OVER w AS first_row,
           first_value(_file) OVER w AS first_file,
           first_value(_sheet) OVER w AS first_sheet,
           row_number() OVER w AS occurrence
    FROM row_keys AS k
    WINDOW w AS (PARTITION BY table_name, key_text ORDER BY _file, _sheet, _row)
)

SELECT table_name, _file, _sheet, _row, list_last(string_split(key_columns, ', ')) AS column_name,
       key_text AS value,
       'Duplicate: same ' || key_columns || ' as row ' || first_row
       || CASE
           WHEN first_file <> _file
               THEN ' of ' || first_file || CASE WHEN first_sheet <> '' THEN ', sheet ' || first_sheet ELSE '' END
           WHEN first_sheet <> _sheet THEN ' of sheet ' || first_sheet
           ELSE ''
       END
       || '. Keep one row per key.' AS message
FROM numbered
WHERE occurrence > 1
