-- rule: date_ambiguous
-- severity: warning
-- grain: one row per date cell that reads both ways (epmo_date_ambiguous): says which order
-- was used (the mapping's date_order, else the ingest.date_order setting) and the other reading
SELECT c.table_name, c._file, c._sheet, c._row, c.column_name, c.raw AS value,
       'Read ' || CASE WHEN c._dayfirst THEN 'day first' ELSE 'month first' END || ' as '
       || strftime(epmo_date(c.raw, c._dayfirst), '%-d %B %Y') || '; month and day could be swapped ('
       || strftime(epmo_date(c.raw, NOT c._dayfirst), '%-d %B %Y') || '). Write dates as YYYY-MM-DD, '
       || 'or set the date order for this source on the Mapper page.' AS message
FROM cells AS c
JOIN contract_columns AS k USING (table_name, column_name)
WHERE k.type = 'date'
  AND epmo_date_ambiguous(c.raw)
