-- grain: one row: how many rows of $table_name the store holds for $upload_id (any table)
-- params: $table_name, $upload_id
WITH counts AS (
    SELECT 'projects' AS table_name, upload_id FROM raw_projects
    UNION ALL SELECT 'milestones', upload_id FROM raw_milestones
    UNION ALL SELECT 'raid', upload_id FROM raw_raid
    UNION ALL SELECT 'allocations', upload_id FROM raw_allocations
    UNION ALL SELECT 'capacity', upload_id FROM raw_capacity
    UNION ALL SELECT 'financials', upload_id FROM raw_financials
)

SELECT count(*) AS row_count
FROM counts
WHERE table_name = $table_name AND upload_id = $upload_id
