-- rule: number_not_on_scale
-- severity: error
-- grain: one row per score that is not on the column's scale (e.g. WSJF's 1,2,3,5,8,13,20);
-- a warning (the row's severity) in an optional column: the scores are optional, so an
-- off-scale one must not block the weekly upload (it is stored as given)
SELECT c.table_name, c._file, c._sheet, c._row, c.column_name, c.raw AS value,
       CASE WHEN k.is_required THEN 'error' ELSE 'warning' END AS severity,
       'Not on the scale: use one of ' || k.allowed_text || CASE WHEN k.is_required THEN '.'
       ELSE ' (optional: stored as given, but scoring models expect the scale).' END AS message
FROM cells AS c
JOIN contract_columns AS k USING (table_name, column_name)
WHERE k.has_scale
  AND epmo_integer(c.raw, c._dec_comma) IS NOT NULL
  AND epmo_integer(c.raw, c._dec_comma) NOT IN (
      SELECT n FROM contract_scales AS s
      WHERE s.table_name = c.table_name AND s.column_name = c.column_name
  )
