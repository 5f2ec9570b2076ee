-- macro: capacity_demand_days_compute(as_of)
-- (read through capacity_demand_days(as_of): views/capacity_demand_days.sql and the other capacity memo files computes it once per
-- store connection and as-of week)
-- grain: one row per demand record (allocations as of the week) and working day (Monday to
-- Friday) of its period; hours is the record's hours spread evenly over those working days.
-- A week spanning two months thus falls into both by working days, and a month's hours into
-- each of its weeks. Dates before the as-of week are kept here (the queries set them apart).
-- needs: demand
CREATE OR REPLACE MACRO capacity_demand_days_compute(as_of) AS TABLE
WITH demand AS (
    SELECT project_id, role, team, resource_name, period_start, hours,
           coalesce(is_tentative, FALSE) AS is_tentative
    FROM allocations_as_of(CAST(as_of AS DATE))
    WHERE hours >= 0 AND period_start IS NOT NULL  -- a 0 still shapes its line's periods
),

-- a record's neighbours are the periods of the same demand line (project, role, team,
-- person), so one line's weekly plan does not make another line's month read as a week
starts AS (
    SELECT project_id, role, team, resource_name, period_start,
           lag(period_start) OVER line AS prev_start,
           lead(period_start) OVER line AS next_start
    FROM (SELECT DISTINCT project_id, role, team, resource_name, period_start FROM demand)
    WINDOW line AS (PARTITION BY project_id, role, team, resource_name ORDER BY period_start)
),

periods AS (
    SELECT project_id, role, team, resource_name, period_start,
           capacity_period_end(period_start, prev_start, next_start) AS period_end
    FROM starts
),

calendar AS (
    SELECT period_start, period_end, work_date,
           count(*) OVER (PARTITION BY period_start, period_end) AS working_days
    FROM (
        SELECT period_start, period_end,
               CAST(unnest(generate_series(period_start, period_end - 1, INTERVAL 1 DAY)) AS DATE) AS work_date
        FROM (SELECT DISTINCT period_start, period_end FROM periods)
    )
    WHERE isodow(work_date) <= 5
)

SELECT d.project_id, d.role, d.team, d.resource_name, d.is_tentative, d.period_start,
       c.work_date, d.hours / c.working_days AS hours
FROM demand AS d
JOIN periods AS p
    ON p.project_id = d.project_id AND p.period_start = d.period_start AND p.role = d.role
    AND p.team IS NOT DISTINCT FROM d.team AND p.resource_name IS NOT DISTINCT FROM d.resource_name
JOIN calendar AS c ON c.period_start = p.period_start AND c.period_end = p.period_end
WHERE d.hours > 0;  -- a 0 shaped its line's periods above; it demands nothing
