-- grain: one row per table macro the explorer offers (e.g. projects_as_of(as_of),
-- project_health_weeks(weeks)): name and parameters
-- Table macros read any week: SELECT * FROM projects_as_of(DATE '2026-11-06').
-- needs: health
SELECT
    function_name AS macro_name,
    array_to_string(parameters, ', ') AS macro_parameters,
    function_name || '(' || array_to_string(parameters, ', ') || ')' AS usage
FROM duckdb_functions()
WHERE function_type = 'table_macro' AND NOT internal AND schema_name = 'main'
ORDER BY function_name
