-- rule: formula_in_cell
-- severity: error
-- grain: one row per text cell that holds a spreadsheet formula (e.g. =HYPERLINK(...))
SELECT c.table_name, c._file, c._sheet, c._row, c.column_name, left(c.raw, 80) AS value,
       'Looks like a spreadsheet formula. Type the value itself; formulas are not accepted.' AS message
FROM cells AS c
JOIN contract_columns AS k USING (table_name, column_name)
WHERE k.type IN ('text', 'email')
  AND regexp_matches(ltrim(c.raw), '^=[A-Za-z_(]')
