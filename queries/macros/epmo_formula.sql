-- macro: epmo_formula(v) -> BOOLEAN
-- TRUE when a spreadsheet could run the text as a formula (CSV/formula injection, OWASP):
-- after any leading spaces it starts with = + - @, a tab or a carriage return; except a
-- plain number or phone number (-1200, -1,200.50, +44 20 7946 0958, -5%), which has no
-- letter, reference, function or DDE call to run and stays as typed. NULL for NULL.
-- The one definition: queries/checks/formula_in_cell.sql, the validation fast path
-- (epmo/validate.py) and the export neutraliser (epmo/export.py reads both patterns
-- from this file; tests/unit/test_formula_rule.py holds them to the same answers).
CREATE OR REPLACE MACRO epmo_formula(v) AS
    regexp_matches(v, '^ *[=+\-@\t\r]')
    AND NOT regexp_full_match(v, ' *[+-]?[0-9 .,()/%-]*');
