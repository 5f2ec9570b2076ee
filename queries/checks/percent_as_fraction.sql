-- rule: percent_as_fraction
-- severity: warning
-- params: $previous_as_of (the day before this upload's as-of)
-- grain: one row per projects row whose percent complete is above 0 and below 1 where that
-- reads as a fraction: the project reported 1 % or more before, or every percent complete
-- of its file or sheet is below 1 over three rows or more (at the first). Excel shows 0.69
-- as 69% in a cell formatted as a percentage and the workbook holds 0.69, stored as 0.69 %
-- (earned value from it a hundred times too small); one early project at 0.9 % is not warned
WITH sheets AS (
    SELECT _file, _sheet, min(_row) FILTER (WHERE percent_complete > 0) AS first_row
    FROM typed_projects
    WHERE percent_complete IS NOT NULL
    GROUP BY _file, _sheet
    HAVING max(percent_complete) < 1 AND count(*) FILTER (WHERE percent_complete > 0) >= 3
),

fractions AS (
    SELECT t._file, t._sheet, t._row, t.project_id, t.percent_complete,
           p.percent_complete AS before_pct, p.as_of_date AS before_week
    FROM typed_projects AS t
    LEFT JOIN projects_as_of(CAST($previous_as_of AS DATE)) AS p USING (project_id)
    WHERE t.percent_complete > 0 AND t.percent_complete < 1
),

flagged AS (
    SELECT f.* FROM fractions AS f WHERE f.before_pct >= 1
    UNION ALL
    SELECT f.* FROM fractions AS f
    JOIN sheets AS s ON s._file = f._file AND s._sheet = f._sheet AND s.first_row = f._row
    WHERE NOT coalesce(f.before_pct >= 1, false)
)

SELECT 'projects' AS table_name, _file, _sheet, _row, 'percent_complete' AS column_name,
       CAST(percent_complete AS VARCHAR) AS value,
       CAST(percent_complete AS VARCHAR) || ' is stored as ' || CAST(percent_complete AS VARCHAR) || ' % complete'
       || CASE WHEN before_pct >= 1
           THEN ' (' || CAST(round(before_pct, 1) AS VARCHAR) || ' % in the report of '
                || strftime(before_week, '%d %b %Y') || ')'
           ELSE ', and every percent complete here is below 1'
       END
       || '. Excel shows ' || CAST(percent_complete AS VARCHAR) || ' as '
       || CAST(round(percent_complete * 100, 1) AS VARCHAR)
       || '% in a cell formatted as a percentage; if that is meant, type '
       || CAST(round(percent_complete * 100, 1) AS VARCHAR)
       || ' (or format the column as numbers) and upload again.' AS message
FROM flagged
