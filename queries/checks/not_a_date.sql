-- rule: not_a_date
-- severity: error
-- grain: one row per non-blank cell of a date column that is not a real date
SELECT c.table_name, c._file, c._sheet, c._row, c.column_name, c.raw AS value,
       CASE
           WHEN epmo_date(c.raw, NOT c._dayfirst) IS NOT NULL
               THEN 'Not a date when read ' || CASE WHEN c._dayfirst THEN 'day first (dd/mm/yyyy)'
                    ELSE 'month first (mm/dd/yyyy)' END || ', the order used for this file; read '
                    || CASE WHEN c._dayfirst THEN 'month first' ELSE 'day first' END || ' it would be '
                    || strftime(epmo_date(c.raw, NOT c._dayfirst), '%-d %B %Y') || '. If the file is written '
                    || 'that way, set its date order on the Mapper page; else use YYYY-MM-DD.'
           ELSE 'Not a valid date. Use YYYY-MM-DD (e.g. 2026-03-31) or a real Excel date.'
       END AS message
FROM cells AS c
JOIN contract_columns AS k USING (table_name, column_name)
WHERE k.type = 'date'
  AND trim(coalesce(c.raw, '')) <> ''
  AND epmo_date(c.raw, c._dayfirst) IS NULL
