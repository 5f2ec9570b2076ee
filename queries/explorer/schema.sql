-- grain: one row per column of every table and view the explorer offers (as-of views,
-- history tables, reference tables), in column order
-- The explorer's help: what a query can read. The group says what kind of object it is.
-- needs: health
WITH objects AS (
    SELECT view_name AS table_name, 'view' AS object_type FROM duckdb_views() WHERE NOT internal AND schema_name = 'main'
    UNION ALL
    SELECT table_name, 'table' FROM duckdb_tables() WHERE NOT internal AND schema_name = 'main'
),

grouped AS (
    SELECT
        table_name,
        CASE
            WHEN table_name IN (
                'projects', 'milestones', 'raid', 'allocations', 'capacity', 'financials',
                'project_health', 'uploads'
            ) THEN 'as of the week'
            WHEN table_name LIKE 'raw\_%' ESCAPE '\' OR table_name IN ('accepted_uploads', 'saved_documents')
                THEN 'full history'
            ELSE 'reference'
        END AS object_group
    FROM objects
)

SELECT
    g.object_group,
    c.table_name,
    c.column_name,
    c.data_type,
    c.column_index
FROM duckdb_columns() AS c
JOIN grouped AS g USING (table_name)
WHERE c.schema_name = 'main'
ORDER BY
    CASE g.object_group WHEN 'as of the week' THEN 0 WHEN 'full history' THEN 1 ELSE 2 END,
    c.table_name,
    c.column_index
