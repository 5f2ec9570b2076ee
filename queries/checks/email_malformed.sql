-- rule: email_malformed
-- severity: error
-- grain: one row per email cell that is not an email address
SELECT c.table_name, c._file, c._sheet, c._row, c.column_name, c.raw AS value,
       'Not an email address. Use the form name@organisation.org.' AS message
FROM cells AS c
JOIN contract_columns AS k USING (table_name, column_name)
WHERE k.type = 'email'
  AND trim(coalesce(c.raw, '')) <> ''
  AND NOT epmo_email_ok(trim(c.raw))
