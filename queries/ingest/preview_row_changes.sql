-- grain: one row per table and project: rows in the previous report against rows in this upload
-- params: $previous_as_of (the upload's as-of date: the report in force for its week before
-- this upload, an earlier upload of the same week, else the project's last report), $tables (the contract
-- tables in the upload: the previous rows of the others are not counted)
WITH incoming AS (
    SELECT 'projects' AS table_name, project_id, count(*) AS rows_after FROM typed_projects GROUP BY ALL
    UNION ALL
    SELECT 'milestones', project_id, count(*) FROM typed_milestones GROUP BY ALL
    UNION ALL
    SELECT 'raid', project_id, count(*) FROM typed_raid GROUP BY ALL
    UNION ALL
    SELECT 'allocations', project_id, count(*) FROM typed_allocations GROUP BY ALL
    UNION ALL
    SELECT 'financials', project_id, count(*) FROM typed_financials GROUP BY ALL
),

previous AS (
    SELECT 'projects' AS table_name, project_id, count(*) AS rows_before
    FROM projects_as_of(CAST($previous_as_of AS DATE))
    WHERE list_contains($tables, 'projects') GROUP BY ALL
    UNION ALL
    SELECT 'milestones', project_id, count(*) FROM milestones_as_of(CAST($previous_as_of AS DATE))
    WHERE list_contains($tables, 'milestones') GROUP BY ALL
    UNION ALL
    SELECT 'raid', project_id, count(*) FROM raid_as_of(CAST($previous_as_of AS DATE))
    WHERE list_contains($tables, 'raid') GROUP BY ALL
    UNION ALL
    SELECT 'allocations', project_id, count(*) FROM allocations_as_of(CAST($previous_as_of AS DATE))
    WHERE list_contains($tables, 'allocations') GROUP BY ALL
    UNION ALL
    SELECT 'financials', project_id, count(*) FROM financials_as_of(CAST($previous_as_of AS DATE))
    WHERE list_contains($tables, 'financials') GROUP BY ALL
)

SELECT i.table_name, i.project_id, coalesce(p.rows_before, 0) AS rows_before, i.rows_after
FROM incoming AS i
LEFT JOIN previous AS p USING (table_name, project_id)
ORDER BY i.table_name, i.project_id
