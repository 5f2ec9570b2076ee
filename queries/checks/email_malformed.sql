-- rule: email_malformed
-- severity: error
-- grain: one row per email cell that is not an email address (epmo_email_ok on the value as it
-- would be stored, epmo_text: blank is NULL, not a failure), as the validation fast path tests it
SELECT c.table_name, c._file, c._sheet, c._row, c.column_name, c.raw AS value,
       'Not an email address. Use the form name@organisation.org.' AS message
FROM cells AS c
JOIN contract_columns AS k USING (table_name, column_name)
WHERE k.type = 'email'
  AND NOT epmo_email_ok(epmo_text(c.raw))
