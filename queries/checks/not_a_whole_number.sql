-- rule: not_a_whole_number
-- severity: error
-- grain: one row per integer-column cell holding a fraction
SELECT c.table_name, c._file, c._sheet, c._row, c.column_name, c.raw AS value,
       'Must be a whole number (e.g. 3, not 3.5).' AS message
FROM cells AS c
JOIN contract_columns AS k USING (table_name, column_name)
WHERE k.type = 'integer'
  AND epmo_number(c.raw, c._dec_comma) IS NOT NULL
  AND epmo_integer(c.raw, c._dec_comma) IS NULL
