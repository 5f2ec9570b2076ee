-- rule: forecast_end_jump
-- severity: warning
-- params: $previous_as_of (the day before this upload's as-of), $days (settings)
-- grain: one row per project whose forecast end moved more than $days since its previous report
SELECT 'projects' AS table_name, t._file, t._sheet, t._row, 'forecast_end_date' AS column_name,
       CAST(t.forecast_end_date AS VARCHAR) AS value,
       'Forecast end moved ' || CAST(abs(date_diff('day', p.forecast_end_date, t.forecast_end_date)) AS VARCHAR)
       || ' days ' || CASE WHEN t.forecast_end_date < p.forecast_end_date THEN 'earlier' ELSE 'later' END
       || ' than in the report of ' || strftime(p.as_of_date, '%-d %B %Y') || ', which said '
       || strftime(p.forecast_end_date, '%-d %B %Y')
       || '. Confirm the date, and explain it in status_summary.' AS message
FROM typed_projects AS t
JOIN projects_as_of(CAST($previous_as_of AS DATE)) AS p USING (project_id)
WHERE abs(date_diff('day', p.forecast_end_date, t.forecast_end_date)) > $days
