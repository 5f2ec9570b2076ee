-- rule: end_before_start
-- severity: error
-- grain: one row per project whose baseline or forecast end date is before its start date
WITH projects AS (
    SELECT * FROM typed_projects
),

ends AS (
    UNPIVOT (SELECT _file, _sheet, _row, start_date, baseline_end_date, forecast_end_date FROM projects)
    ON baseline_end_date, forecast_end_date
    INTO NAME column_name VALUE end_date
)

SELECT 'projects' AS table_name, _file, _sheet, _row, column_name,
       CAST(end_date AS VARCHAR) AS value,
       'Ends before it starts (start_date ' || CAST(start_date AS VARCHAR)
       || '). Correct the start or the end date.' AS message
FROM ends
WHERE end_date < start_date
