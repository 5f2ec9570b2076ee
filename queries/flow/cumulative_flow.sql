-- view: flow_cumulative_flow
-- grain: one row per scope, day of the window ending on the as-of week and status
-- category (To Do, In Progress, Done): the items in that category at the end of the day,
-- rebuilt from the dates: Done from done_date, In Progress from started_date until done,
-- To Do from created_date until started (an item without a created date counts from the
-- start of the window; one without a start date stays To Do until done)
-- params: $as_of, $by, $scope ('' = every scope), $window_days, $portfolios, $programmes
-- (lists; empty = all)
-- Reads flow_scoped_items (work_items_as_of, projects_as_of_memo).
-- metrics: items (per category and day)
WITH items AS (
    SELECT * FROM flow_scoped_items(CAST($as_of AS DATE), $by, $scope, $portfolios, $programmes)
),

days AS (
    SELECT CAST(d AS DATE) AS day
    FROM range(
        CAST($as_of AS DATE) - CAST($window_days AS INTEGER) + 1,
        CAST($as_of AS DATE) + 1,
        INTERVAL 1 DAY
    ) AS t(d)
),

states AS (
    SELECT
        i.scope,
        d.day,
        CASE
            WHEN i.done_date <= d.day THEN 'Done'
            WHEN i.started_date <= d.day THEN 'In Progress'
            WHEN coalesce(i.created_date, DATE '1900-01-01') <= d.day THEN 'To Do'
        END AS status_category
    FROM items AS i
    CROSS JOIN days AS d
),

categories AS (
    SELECT unnest(['To Do', 'In Progress', 'Done']) AS status_category,
           unnest([1, 2, 3]) AS category_order
)

SELECT s.scope, d.day, c.status_category, count(st.status_category) AS items
FROM (SELECT DISTINCT scope FROM items) AS s
CROSS JOIN days AS d
CROSS JOIN categories AS c
LEFT JOIN states AS st
    ON st.scope = s.scope AND st.day = d.day AND st.status_category = c.status_category
GROUP BY s.scope, d.day, c.status_category, c.category_order
ORDER BY s.scope, d.day, c.category_order
