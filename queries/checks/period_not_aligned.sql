-- rule: period_not_aligned
-- severity: error
-- grain: one row per period_start that is neither a Monday (week) nor the 1st (month); for
-- financials, which are monthly, one row per period_start that is not the 1st
WITH periods AS (
    SELECT 'allocations' AS table_name, _file, _sheet, _row, period_start FROM typed_allocations
    UNION ALL
    SELECT 'capacity', _file, _sheet, _row, period_start FROM typed_capacity
    UNION ALL
    SELECT 'financials', _file, _sheet, _row, period_start FROM typed_financials
)

SELECT table_name, _file, _sheet, _row, 'period_start' AS column_name,
       CAST(period_start AS VARCHAR) AS value,
       'A period starts on a Monday (weekly) or on the 1st of a month (monthly); this is a '
       || dayname(period_start) || '. Use ' || CAST(period_start - CAST(isodow(period_start) - 1 AS INTEGER) AS VARCHAR)
       || ' or ' || CAST(date_trunc('month', period_start) AS DATE) || '.' AS message
FROM periods
WHERE period_start IS NOT NULL AND isodow(period_start) <> 1 AND day(period_start) <> 1

UNION ALL

SELECT 'financials', _file, _sheet, _row, 'period_start',
       CAST(period_start AS VARCHAR),
       'Financials are monthly: a period starts on the 1st of a month; this is the '
       || day(period_start) || 'th. Use ' || CAST(date_trunc('month', period_start) AS DATE)
       || ' and put the month''s planned, actual and forecast cost on that row.'
FROM typed_financials
WHERE period_start IS NOT NULL AND day(period_start) <> 1 AND isodow(period_start) = 1
