-- rule: not_a_boolean
-- severity: error
-- grain: one row per non-blank cell of a yes/no column that is neither
SELECT c.table_name, c._file, c._sheet, c._row, c.column_name, c.raw AS value,
       'Must be true or false (yes/no, y/n and 1/0 are also accepted).' AS message
FROM cells AS c
JOIN contract_columns AS k USING (table_name, column_name)
WHERE k.type = 'boolean'
  AND trim(coalesce(c.raw, '')) <> ''
  AND epmo_bool(c.raw) IS NULL
