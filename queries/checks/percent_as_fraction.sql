-- rule: percent_as_fraction
-- severity: warning
-- grain: one row per file or sheet of projects whose every percent_complete is below 1 and
-- some above 0 (at the first row above 0): Excel shows 0.69 as 69% in a cell formatted as a
-- percentage, and the workbook holds 0.69, which is stored as 0.69 % (earned value from it
-- is a hundred times too small)
WITH sheets AS (
    SELECT _file, _sheet, min(_row) FILTER (WHERE percent_complete > 0) AS first_row
    FROM typed_projects
    WHERE percent_complete IS NOT NULL
    GROUP BY _file, _sheet
    HAVING max(percent_complete) > 0 AND max(percent_complete) < 1
)

SELECT 'projects' AS table_name, t._file, t._sheet, t._row, 'percent_complete' AS column_name,
       CAST(t.percent_complete AS VARCHAR) AS value,
       'Every percent complete here is below 1: ' || CAST(t.percent_complete AS VARCHAR)
       || ' is stored as ' || CAST(t.percent_complete AS VARCHAR) || ' %. Excel shows '
       || CAST(t.percent_complete AS VARCHAR) || ' as ' || CAST(round(t.percent_complete * 100, 1) AS VARCHAR)
       || '% in a cell formatted as a percentage; if that is meant, type '
       || CAST(round(t.percent_complete * 100, 1) AS VARCHAR)
       || ' (or format the column as numbers) and upload again.' AS message
FROM typed_projects AS t
JOIN sheets AS s ON s._file = t._file AND s._sheet = t._sheet AND s.first_row = t._row
