-- view: flow_forecast_inputs
-- grain: one row per work_items submission (upload, project) in force in any of the weeks
-- $weeks: what a forecast needs. remaining_items: counted items (not epics or sub-tasks)
-- not Done; done_offsets: for each item done in the $window_days days ending on the
-- backlog's report date, how many days before that date it was done (0 = that day); the
-- Monte Carlo turns them into daily throughput, days with nothing done included;
-- last_done_date: when the last item was done (the finish, once nothing remains);
-- created_in_window: items created in the same window; history_days: the window, or the
-- days since the backlog's first item was created when fewer.
-- params: $weeks, $window_days, $projects (list of project ids; empty = every project)
WITH subs AS (
    SELECT DISTINCT c.upload_id, c.entity_key AS project_id, c.as_of_date
    FROM current_submissions_weeks(CAST($weeks AS DATE [])) AS c
    WHERE c.table_name = 'work_items'
        AND (len(CAST($projects AS VARCHAR []))= 0 OR list_contains(CAST($projects AS VARCHAR []), c.entity_key))
)

SELECT
    s.upload_id,
    s.project_id,
    s.as_of_date,
    count(*) FILTER (WHERE w.status_category <> 'Done') AS remaining_items,
    coalesce(list(date_diff('day', w.done_date, s.as_of_date)) FILTER (
        WHERE w.status_category = 'Done'
        AND w.done_date <= s.as_of_date
        AND w.done_date > s.as_of_date - CAST($window_days AS INTEGER)
    ), []) AS done_offsets,
    max(w.done_date) FILTER (WHERE w.status_category = 'Done' AND w.done_date <= s.as_of_date)
        AS last_done_date,
    -- items added to the backlog in the same window: more added than done, the backlog grows
    -- and the forecast (which counts only the items there now) holds only if none are added
    count(*) FILTER (
        WHERE w.created_date <= s.as_of_date
        AND w.created_date > s.as_of_date - CAST($window_days AS INTEGER)
    ) AS created_in_window,
    -- the days of history the throughput is sampled from: the window, or fewer for a backlog
    -- whose first item was created within it (a new team's days before it began are not days
    -- on which it finished nothing)
    least(
        CAST($window_days AS INTEGER),
        greatest(1, coalesce(max(date_diff('day', w.created_date, s.as_of_date)) + 1, CAST($window_days AS INTEGER)))
    ) AS history_days
FROM subs AS s
JOIN raw_work_items AS w ON w.upload_id = s.upload_id AND w.project_id = s.project_id
WHERE epmo_flow_item(w.item_type)
GROUP BY ALL
ORDER BY s.upload_id, s.project_id
