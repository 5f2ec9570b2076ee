-- rule: formula_in_cell
-- severity: error
-- grain: one row per text cell that a spreadsheet could run as a formula (epmo_formula:
-- =HYPERLINK(...), +cmd|..., @SUM(...), -2+3+cmd|..., also after leading spaces), tested on
-- the value as it would be stored (epmo_text), exactly as the validation fast path tests it
SELECT c.table_name, c._file, c._sheet, c._row, c.column_name, left(c.raw, 80) AS value,
       'Starts with ' || CASE left(ltrim(c.raw), 1) WHEN chr(9) THEN 'a tab' WHEN chr(13)
       THEN 'a carriage return' ELSE '"' || left(ltrim(c.raw), 1) || '"' END
       || ', so a spreadsheet would run it as a formula. Type the value itself without the '
       || 'leading character (formulas are not accepted), or put a letter first.' AS message
FROM cells AS c
JOIN contract_columns AS k USING (table_name, column_name)
WHERE k.type IN ('text', 'email')
  AND epmo_formula(epmo_text(c.raw))
