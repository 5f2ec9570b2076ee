-- rule: done_items_dropped
-- severity: warning
-- params: $previous_as_of (the day before this upload's as-of), $window_days ([flow] window_days)
-- grain: one row per project of the upload's work items whose items done within the flow
-- window, in the backlog in force before this week, are not in it, at the project's first
-- row: an upload replaces a project's work items, so an export filtered to open items (a Jira
-- filter "statusCategory != Done") took every done item out of the throughput, and the
-- project went Red as a team that finished nothing in 84 days
WITH sent AS (
    SELECT project_id, item_key, _file, _sheet, _row FROM typed_work_items
),

firsts AS (
    SELECT * FROM sent
    QUALIFY row_number() OVER (PARTITION BY project_id ORDER BY _file, _sheet, _row) = 1
),

done_before AS (  -- done within the window, in the backlog in force before this week
    SELECT w.project_id, w.item_key
    FROM work_items_as_of(CAST($previous_as_of AS DATE)) AS w
    WHERE w.status_category = 'Done'
      AND w.done_date > CAST($previous_as_of AS DATE) - CAST($window_days AS INTEGER)
      AND epmo_flow_item(w.item_type)
      AND w.project_id IN (SELECT project_id FROM firsts)
),

gone AS (
    SELECT b.project_id, count(*) AS n, list(b.item_key ORDER BY b.item_key) AS keys
    FROM done_before AS b
    WHERE NOT EXISTS (SELECT 1 FROM sent AS s WHERE s.project_id = b.project_id AND s.item_key = b.item_key)
    GROUP BY ALL
)

SELECT 'work_items' AS table_name, f._file, f._sheet, f._row,
       'project_id' AS column_name,
       f.project_id AS value,
       f.project_id || ': ' || CAST(g.n AS VARCHAR) || CASE WHEN g.n = 1 THEN ' item' ELSE ' items' END
       || ' done in the last ' || CAST($window_days AS VARCHAR) || ' days ('
       || array_to_string(g.keys[1:5], ', ') || CASE WHEN g.n > 5 THEN ', ...' ELSE '' END
       || ') ' || CASE WHEN g.n = 1 THEN 'is' ELSE 'are' END || ' not in this export. An upload replaces '
       || 'a project''s work items, so its throughput, cycle times and forecast lose them. Export '
       || 'with done items included (a filter such as statusCategory != Done leaves them out).' AS message
FROM firsts AS f
JOIN gone AS g USING (project_id)
