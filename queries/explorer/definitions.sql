-- grain: one row per view or macro of the explorer's connection (its name, kind and
-- definition), from which epmo/sandbox.py finds the names that read the agile forecasts
SELECT lower(view_name) AS object_name, 'view' AS object_kind, sql AS definition
FROM duckdb_views()
WHERE NOT internal
UNION ALL
SELECT lower(function_name), 'macro', macro_definition
FROM duckdb_functions()
WHERE function_type IN ('macro', 'table_macro') AND NOT internal AND macro_definition IS NOT NULL
