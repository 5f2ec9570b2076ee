-- rule: work_item_done_without_date
-- severity: warning
-- grain: one row per work item in the Done category without a done_date (it cannot count
-- in throughput, cycle time or the forecasts' history)
SELECT 'work_items' AS table_name, _file, _sheet, _row, 'done_date' AS column_name,
       '' AS value,
       'The item is Done but has no done_date: it will not count in throughput or cycle '
       || 'time. Export the Resolved date (Jira) or the date it entered a done status.' AS message
FROM typed_work_items
WHERE status_category = 'Done' AND done_date IS NULL
