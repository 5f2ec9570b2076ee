-- rule: required_value_missing
-- severity: error
-- grain: one row per blank cell in a required column
SELECT c.table_name, c._file, c._sheet, c._row, c.column_name, c.raw AS value,
       'Required value is blank. Fill it in (see the template''s data dictionary).' AS message
FROM cells AS c
JOIN contract_columns AS k USING (table_name, column_name)
WHERE k.is_required AND trim(coalesce(c.raw, '')) = ''
