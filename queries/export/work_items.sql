-- view: work_items
-- grain: one row per current work item as of $as_of (with as_of_date and weeks_stale)
-- params: $as_of
SELECT * EXCLUDE (upload_id), upload_id
FROM work_items_as_of(CAST($as_of AS DATE))
ORDER BY project_id, item_key
