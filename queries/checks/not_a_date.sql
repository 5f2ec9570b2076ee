-- rule: not_a_date
-- severity: error
-- grain: one row per non-blank cell of a date column that is not a real date
SELECT c.table_name, c._file, c._sheet, c._row, c.column_name, c.raw AS value,
       'Not a valid date. Use YYYY-MM-DD (e.g. 2026-03-31) or a real Excel date.' AS message
FROM cells AS c
JOIN contract_columns AS k USING (table_name, column_name)
WHERE k.type = 'date'
  AND trim(coalesce(c.raw, '')) <> ''
  AND epmo_date(c.raw, c._dayfirst) IS NULL
