-- rule: number_out_of_range
-- severity: error
-- grain: one row per number below the column's minimum or above its maximum
SELECT c.table_name, c._file, c._sheet, c._row, c.column_name, c.raw AS value,
       'Out of range: must be ' || k.allowed_text || '.' AS message
FROM cells AS c
JOIN contract_columns AS k USING (table_name, column_name)
WHERE k.type IN ('number', 'integer')
  AND (epmo_number(c.raw, c._dec_comma) < k.minimum OR epmo_number(c.raw, c._dec_comma) > k.maximum)
