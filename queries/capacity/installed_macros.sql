-- grain: one row per capacity macro already created on this connection
-- params: none
SELECT DISTINCT function_name
FROM duckdb_functions()
WHERE function_name LIKE 'capacity\_%' ESCAPE '\'
