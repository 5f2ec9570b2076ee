-- view: flow_wip_age
-- grain: one row per item in progress as of the week (work in progress), with its age and
-- its scope's 85th percentile of cycle time over the window (an item older than that is
-- older than 85 % of recently finished items)
-- params: $as_of, $by, $scope ('' = every scope), $window_days, $portfolios, $programmes
-- (lists; empty = all)
-- Reads flow_scoped_items (flow_facts_memo, filled with the flow_items_memo of the week).
-- metrics: age_days (blank without a start date), is_older_than_p85
-- needs: flow_items
WITH items AS (
    SELECT * FROM flow_scoped_items(CAST($as_of AS DATE), $by, $scope, $portfolios, $programmes)
),

p85 AS (
    SELECT scope, quantile_disc(cycle_time_days, 0.85) AS cycle_time_p85
    FROM items
    WHERE done_date > CAST($as_of AS DATE) - CAST($window_days AS INTEGER)
    GROUP BY scope
)

SELECT
    i.scope,
    i.project_id,
    i.project_name,
    i.team,
    i.item_key,
    i.item_type,
    i.title,
    i.status,
    i.started_date,
    i.age_days,
    p.cycle_time_p85,
    i.age_days > p.cycle_time_p85 AS is_older_than_p85
FROM items AS i
LEFT JOIN p85 AS p USING (scope)
WHERE i.is_wip
ORDER BY i.scope, i.age_days DESC NULLS LAST, i.item_key
