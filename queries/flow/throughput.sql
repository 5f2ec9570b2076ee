-- view: flow_throughput
-- grain: one row per scope and week of the window (weeks of 7 days ending on the as-of
-- week, the latest first), 0 when nothing was done
-- params: $as_of, $by, $scope ('' = every scope), $window_days, $portfolios, $programmes
-- (lists; empty = all)
-- Reads flow_scoped_items (flow_facts_memo, filled with the flow_items_memo of the week).
-- metrics: items_done (throughput: items whose done_date falls in the week)
-- needs: flow_items
WITH items AS (
    SELECT * FROM flow_scoped_items(CAST($as_of AS DATE), $by, $scope, $portfolios, $programmes)
),

weeks AS (
    SELECT CAST(CAST($as_of AS DATE) - CAST(7 * k AS INTEGER) AS DATE) AS week_end
    FROM range(0, greatest(CAST($window_days AS INTEGER) // 7, 1)) AS t(k)
),

scopes AS (
    SELECT DISTINCT scope FROM items
)

SELECT
    s.scope,
    w.week_end,
    count(i.item_key) AS items_done
FROM scopes AS s
CROSS JOIN weeks AS w
LEFT JOIN items AS i
    ON i.scope = s.scope AND i.done_date > w.week_end - 7 AND i.done_date <= w.week_end
GROUP BY ALL
ORDER BY s.scope, w.week_end
