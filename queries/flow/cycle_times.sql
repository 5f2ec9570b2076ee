-- view: flow_cycle_times
-- grain: one row per item done in the window of $window_days days ending on the as-of week
-- (the cycle-time scatter), with its scope's 50th/85th/95th percentiles of cycle time
-- params: $as_of, $by, $scope ('' = every scope), $window_days, $portfolios, $programmes
-- (lists; empty = all)
-- Reads flow_scoped_items (flow_facts_memo, filled with the flow_items_memo of the week).
-- metrics: cycle_time_days, lead_time_days, cycle_time_p50/p85/p95 (nearest rank)
-- needs: flow_items
WITH done AS (
    SELECT *
    FROM flow_scoped_items(CAST($as_of AS DATE), $by, $scope, $portfolios, $programmes)
    WHERE done_date > CAST($as_of AS DATE) - CAST($window_days AS INTEGER)
)

SELECT
    scope,
    project_id,
    project_name,
    team,
    item_key,
    item_type,
    title,
    started_date,
    done_date,
    cycle_time_days,
    lead_time_days,
    quantile_disc(cycle_time_days, 0.50) OVER (PARTITION BY scope) AS cycle_time_p50,
    quantile_disc(cycle_time_days, 0.85) OVER (PARTITION BY scope) AS cycle_time_p85,
    quantile_disc(cycle_time_days, 0.95) OVER (PARTITION BY scope) AS cycle_time_p95
FROM done
ORDER BY scope, done_date, item_key
