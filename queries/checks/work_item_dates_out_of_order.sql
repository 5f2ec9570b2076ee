-- rule: work_item_dates_out_of_order
-- severity: warning
-- grain: one row per work item whose done date is before its start date, or whose start
-- date is before its created date (the item's cycle or lead time would be negative; the
-- flow measures leave such an item's times blank)
WITH items AS (
    SELECT _file, _sheet, _row, created_date, started_date, done_date FROM typed_work_items
)

SELECT 'work_items' AS table_name, _file, _sheet, _row, 'done_date' AS column_name,
       CAST(done_date AS VARCHAR) AS value,
       'Done before it started (started_date ' || CAST(started_date AS VARCHAR)
       || '). Check the workflow''s started and done statuses, or the dates.' AS message
FROM items
WHERE done_date < started_date
UNION ALL
SELECT 'work_items', _file, _sheet, _row, 'started_date',
       CAST(started_date AS VARCHAR),
       'Started before it was created (created_date ' || CAST(created_date AS VARCHAR)
       || '). Check the dates.'
FROM items
WHERE started_date < created_date
