-- rule: value_not_allowed
-- severity: error
-- grain: one row per non-blank cell of a list column whose value is not in the list
SELECT c.table_name, c._file, c._sheet, c._row, c.column_name, c.raw AS value,
       'Not an allowed value. Use one of: ' || k.allowed_text || '.' AS message
FROM cells AS c
JOIN contract_columns AS k USING (table_name, column_name)
WHERE k.type = 'enum'
  AND trim(coalesce(c.raw, '')) <> ''
  AND NOT EXISTS (
      SELECT 1 FROM enum_values AS e
      WHERE e.table_name = c.table_name AND e.column_name = c.column_name
        AND e.value_key = epmo_key(c.raw)
  )
