-- rule: not_a_number
-- severity: error
-- grain: one row per non-blank cell of a number column that does not parse as a number
SELECT c.table_name, c._file, c._sheet, c._row, c.column_name, c.raw AS value,
       CASE WHEN c._dec_comma
            THEN 'Not a number. Type digits only, with "," for decimals in this file (e.g. 1250,5).'
            ELSE 'Not a number. Type digits only, with "." for decimals (e.g. 1250.5), no text or units.'
       END AS message
FROM cells AS c
JOIN contract_columns AS k USING (table_name, column_name)
WHERE k.type IN ('number', 'integer')
  AND trim(coalesce(c.raw, '')) <> ''
  AND epmo_number(c.raw, c._dec_comma) IS NULL
