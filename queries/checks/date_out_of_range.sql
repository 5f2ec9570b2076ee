-- rule: date_out_of_range
-- severity: warning
-- grain: one row per date before 1990 or after 2100 (epmo_date_plausible; usually a typo in the year)
SELECT c.table_name, c._file, c._sheet, c._row, c.column_name, c.raw AS value,
       'Date is before 1990 or after 2100; check the year.' AS message
FROM cells AS c
JOIN contract_columns AS k USING (table_name, column_name)
WHERE k.type = 'date'
  AND NOT epmo_date_plausible(epmo_date(c.raw, c._dayfirst))
