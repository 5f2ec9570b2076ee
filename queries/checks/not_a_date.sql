-- rule: not_a_date
-- severity: error
-- grain: one row per non-blank cell of a date column that is not a real date
WITH bad AS (
    SELECT c.table_name, c._file, c._sheet, c._row, c.column_name, c.raw, c._dayfirst,
           epmo_date(c.raw, NOT c._dayfirst) AS other_order,
           -- a two-digit year (09-Oct-26, 15/01/26) read as this century
           CASE WHEN regexp_full_match(trim(c.raw), '\d{1,2}[/.-]\d{1,2}[/.-]\d{2}|\d{1,2}[ -][A-Za-z]{3,9}[ -]\d{2}')
                THEN epmo_date(regexp_replace(trim(c.raw), '(\d{2})$', '20\1'), c._dayfirst)
           END AS in_this_century
    FROM cells AS c
    JOIN contract_columns AS k USING (table_name, column_name)
    WHERE k.type = 'date'
      AND trim(coalesce(c.raw, '')) <> ''
      AND epmo_date(c.raw, c._dayfirst) IS NULL
)
SELECT table_name, _file, _sheet, _row, column_name, raw AS value,
       CASE
           WHEN other_order IS NOT NULL
               THEN 'Not a date when read ' || CASE WHEN _dayfirst THEN 'day first (dd/mm/yyyy)'
                    ELSE 'month first (mm/dd/yyyy)' END || ', the order used for this file; read '
                    || CASE WHEN _dayfirst THEN 'month first' ELSE 'day first' END || ' it would be '
                    || strftime(other_order, '%-d %B %Y') || '. If the file is written '
                    || 'that way, set its date order on the Mapper page; else use YYYY-MM-DD.'
           WHEN in_this_century IS NOT NULL
               THEN 'The year has two digits, so its century is not known. If you meant '
                    || strftime(in_this_century, '%-d %B %Y') || ', write '
                    || strftime(in_this_century, '%Y-%m-%d') || ' (or the year in full).'
           ELSE 'Not a valid date. Use YYYY-MM-DD (e.g. 2026-03-31) or a real Excel date.'
       END AS message
FROM bad
