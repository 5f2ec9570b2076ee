-- view: flow_cumulative_flow
-- grain: one row per scope, day of the window ending on the as-of week and status
-- category (To Do, In Progress, Done): the items in that category at the end of the day,
-- rebuilt from the dates: Done from done_date, In Progress from started_date until done,
-- To Do from created_date until started (an item without a created date counts from the
-- start of the window; one without a start date stays To Do until done)
-- params: $as_of, $by, $scope ('' = every scope), $window_days, $portfolios, $programmes
-- (lists; empty = all)
-- Reads flow_scoped_items (flow_facts_memo, filled with the flow_items_memo of the week).
-- metrics: items (per category and day)
-- needs: flow_items
WITH items AS (
    SELECT * FROM flow_scoped_items(CAST($as_of AS DATE), $by, $scope, $portfolios, $programmes)
),

bounds AS (
    SELECT CAST($as_of AS DATE) AS week_date,
           CAST($as_of AS DATE) - CAST($window_days AS INTEGER) AS day0
),

-- Counted as running totals, not item by day: on day d an item exists from its earliest
-- date (created, started or done; without any, from the start), is Done from done_date,
-- In Progress from started_date until done. Each mark is a date (before the window: day0,
-- the day before it) whose running count by day d gives the items at the end of d.
marks AS MATERIALIZED (
    SELECT
        i.scope,
        greatest(coalesce(least(i.created_date, i.started_date, i.done_date), b.day0), b.day0) AS d_exists,
        greatest(i.done_date, b.day0) AS d_done,
        greatest(i.started_date, b.day0) AS d_started,
        greatest(greatest(i.started_date, i.done_date), b.day0) AS d_started_done,
        i.done_date IS NOT NULL AS has_done,
        i.started_date IS NOT NULL AS has_start
    FROM items AS i
    CROSS JOIN bounds AS b
),

-- the marks of each day, one column per kind of mark
per_day AS (
    SELECT
        scope,
        mark_day,
        sum(n_exists) AS n_exists,
        sum(n_done) AS n_done,
        sum(n_started) AS n_started,
        sum(n_started_done) AS n_started_done
    FROM (
        SELECT scope, d_exists AS mark_day, count(*) AS n_exists, 0 AS n_done, 0 AS n_started,
            0 AS n_started_done
        FROM marks GROUP BY ALL
        UNION ALL
        SELECT scope, d_done, 0, count(*), 0, 0 FROM marks WHERE has_done GROUP BY ALL
        UNION ALL
        SELECT scope, d_started, 0, 0, count(*), 0 FROM marks WHERE has_start GROUP BY ALL
        UNION ALL
        SELECT scope, d_started_done, 0, 0, 0, count(*) FROM marks WHERE has_done GROUP BY ALL
    )
    GROUP BY scope, mark_day
),

grid AS (
    SELECT s.scope, CAST(d AS DATE) AS day
    FROM (SELECT DISTINCT scope FROM per_day) AS s
    CROSS JOIN bounds AS b
    CROSS JOIN range(b.day0, b.week_date + 1, INTERVAL 1 DAY) AS t(d)
),

-- running totals by day d: the items in each category at the end of d
wide AS (
    SELECT
        g.scope,
        g.day,
        sum(coalesce(p.n_exists, 0)) OVER w AS existing,
        sum(coalesce(p.n_done, 0)) OVER w AS done,
        sum(coalesce(p.n_started, 0)) OVER w - sum(coalesce(p.n_started_done, 0)) OVER w AS in_progress
    FROM grid AS g
    LEFT JOIN per_day AS p ON p.scope = g.scope AND p.mark_day = g.day
    WINDOW w AS (PARTITION BY g.scope ORDER BY g.day)
)

SELECT scope, day, c.status_category, CAST(CASE c.status_category
    WHEN 'To Do' THEN existing - done - in_progress
    WHEN 'In Progress' THEN in_progress
    ELSE done
END AS BIGINT) AS items
FROM wide
CROSS JOIN (SELECT unnest(['To Do', 'In Progress', 'Done']) AS status_category,
                   unnest([1, 2, 3]) AS category_order) AS c
WHERE day > (SELECT day0 FROM bounds)
ORDER BY scope, day, c.category_order
