-- view: flow_summary
-- grain: one row per scope (flow_scope: project, team, portfolio or the whole portfolio)
-- as of $as_of, over the window of $window_days days ending on the as-of week
-- params: $as_of, $by, $scope ('' = every scope), $window_days, $portfolios, $programmes
-- (lists; empty = all)
-- Reads flow_scoped_items (flow_facts_memo, filled with the flow_items_memo of the week).
-- metrics: items, wip, done_in_window, throughput_per_week, cycle_time_p50/p85/p95,
-- lead_time_p50/p85/p95, age_p50/p85, oldest_age_days, avg_wip, mean_cycle_time_days,
-- littles_law_cycle_days, littles_law_ratio, started_in_window_pct, flow_notes
-- Percentiles are nearest-rank (quantile_disc: the smallest value with at least p % of the
-- items at or below it). See docs/flow.md and docs/metrics.md.
-- needs: flow_items
WITH items AS (
    SELECT * FROM flow_scoped_items(CAST($as_of AS DATE), $by, $scope, $portfolios, $programmes)
),

bounds AS (
    SELECT CAST($as_of AS DATE) AS week_date, CAST($window_days AS INTEGER) AS window_days
),

-- one pass over the items: the days in progress within the window are counted as cycle
-- time counts (inclusively: from the start to the done day, or to the as-of week when not
-- done); their sum over the window's days is the sum of the daily WIP, so average WIP =
-- that sum / window_days
windowed AS (
    SELECT
        i.*,
        i.done_date > b.week_date - b.window_days AS done_in_window,
        i.started_date > b.week_date - b.window_days AS started_in_window,
        CASE WHEN i.started_date IS NOT NULL THEN greatest(0, date_diff(
            'day',
            greatest(i.started_date, b.week_date - b.window_days + 1),
            least(coalesce(i.done_date, b.week_date), b.week_date)
        ) + 1) END AS wip_days
    FROM items AS i CROSS JOIN bounds AS b
),

per_scope AS (
    SELECT
        scope,
        any_value(project_name) FILTER (WHERE $by = 'project') AS project_name,
        count(*) AS items,
        count(*) FILTER (WHERE status_category = 'To Do') AS to_do,
        count(*) FILTER (WHERE is_wip) AS wip,
        count(*) FILTER (WHERE is_wip AND started_date IS NULL) AS wip_without_start,
        count(*) FILTER (WHERE status_category = 'Done') AS done,
        count(*) FILTER (WHERE done_in_window) AS done_in_window,
        count(cycle_time_days) FILTER (WHERE done_in_window) AS timed_in_window,
        quantile_disc(cycle_time_days, 0.50) FILTER (WHERE done_in_window) AS cycle_time_p50,
        quantile_disc(cycle_time_days, 0.85) FILTER (WHERE done_in_window) AS cycle_time_p85,
        quantile_disc(cycle_time_days, 0.95) FILTER (WHERE done_in_window) AS cycle_time_p95,
        avg(cycle_time_days) FILTER (WHERE done_in_window) AS mean_cycle_time_days,
        quantile_disc(lead_time_days, 0.50) FILTER (WHERE done_in_window) AS lead_time_p50,
        quantile_disc(lead_time_days, 0.85) FILTER (WHERE done_in_window) AS lead_time_p85,
        quantile_disc(lead_time_days, 0.95) FILTER (WHERE done_in_window) AS lead_time_p95,
        quantile_disc(age_days, 0.50) AS age_p50,
        quantile_disc(age_days, 0.85) AS age_p85,
        max(age_days) AS oldest_age_days,
        count(*) FILTER (WHERE done_in_window AND started_date IS NOT NULL AND started_in_window)
            AS started_in_window_count,
        max(weeks_stale) AS weeks_stale,
        count(DISTINCT project_id) AS projects,
        count(DISTINCT project_id) FILTER (WHERE weeks_stale > 0) AS stale_projects,
        coalesce(sum(wip_days), 0) AS wip_days
    FROM windowed
    GROUP BY scope
),

wip_avg AS (
    SELECT s.scope, s.wip_days / b.window_days AS avg_wip
    FROM per_scope AS s CROSS JOIN bounds AS b
)

SELECT
    s.scope,
    s.project_name,
    s.items,
    s.to_do,
    s.wip,
    s.done,
    s.done_in_window,
    s.done_in_window / (b.window_days / 7.0) AS throughput_per_week,
    s.cycle_time_p50,
    s.cycle_time_p85,
    s.cycle_time_p95,
    s.lead_time_p50,
    s.lead_time_p85,
    s.lead_time_p95,
    s.age_p50,
    s.age_p85,
    s.oldest_age_days,
    w.avg_wip,
    s.mean_cycle_time_days,
    -- WIP, throughput and cycle time of one population, the items with a start date (WIP
    -- counts no item without one); blank when fewer than half the items done have one
    CASE
        WHEN s.timed_in_window > 0 AND 2 * s.timed_in_window >= s.done_in_window
            THEN w.avg_wip / (s.timed_in_window / b.window_days)
    END AS littles_law_cycle_days,
    CASE
        WHEN s.timed_in_window > 0 AND w.avg_wip > 0 AND 2 * s.timed_in_window >= s.done_in_window
            THEN s.mean_cycle_time_days / (w.avg_wip / (s.timed_in_window / b.window_days))
    END AS littles_law_ratio,
    CASE
        WHEN s.timed_in_window > 0 THEN 100.0 * s.started_in_window_count / s.timed_in_window
    END AS started_in_window_pct,
    s.weeks_stale,
    b.window_days,
    concat_ws('; ',
        CASE WHEN s.done_in_window = 0 THEN printf('no item done in the last %d days: throughput 0, '
            || 'cycle and lead times and Little''s law blank', b.window_days) END,
        CASE WHEN s.done_in_window > 0 AND s.timed_in_window = 0 THEN 'cycle time blank: no item done '
            || 'in the window has a start date (the export has no start dates: add a status history '
            || 'or a stage-date export)' END,
        CASE WHEN s.done_in_window > s.timed_in_window AND s.timed_in_window > 0 THEN printf(
            'cycle time from %d of %d items done in the window (the others have no start date)',
            s.timed_in_window, s.done_in_window) END,
        CASE WHEN s.timed_in_window > 0 AND 2 * s.timed_in_window < s.done_in_window
            THEN 'Little''s law blank: fewer than half the items done in the window have a start date' END,
        CASE WHEN s.done_in_window > 0 AND s.lead_time_p50 IS NULL THEN 'lead time blank: no created dates' END,
        CASE WHEN s.wip > 0 AND s.wip_without_start = s.wip THEN 'age blank: no item in progress has '
            || 'a start date' END,
        CASE WHEN s.wip_without_start > 0 AND s.wip_without_start < s.wip THEN printf(
            'age from %d of %d items in progress (the others have no start date)',
            s.wip - s.wip_without_start, s.wip) END,
        -- one project: how old its backlog is; several: how many are old, and the oldest
        CASE WHEN s.projects > 1 AND s.stale_projects > 0 THEN printf(
            'backlog of %d of %d projects last reported before the as-of week (the oldest %d %s before)',
            s.stale_projects, s.projects, s.weeks_stale, CASE WHEN s.weeks_stale = 1 THEN 'week' ELSE 'weeks' END)
            WHEN s.weeks_stale = 1 THEN 'backlog last reported 1 week before the as-of week'
            WHEN s.weeks_stale > 1 THEN printf('backlog last reported %d weeks before the as-of week',
            s.weeks_stale) END
    ) AS flow_notes
FROM per_scope AS s
CROSS JOIN bounds AS b
LEFT JOIN wip_avg AS w USING (scope)
ORDER BY s.scope
