-- macro: capacity_supply_days_compute(as_of)
-- (read through capacity_supply_days(as_of): views/capacity_demand_days.sql and the other capacity memo files computes it once per
-- store connection and as-of week)
-- grain: one row per capacity record (as of the week; capacity supersedes per team) and
-- working day (Monday to Friday) of its period; hours is available_hours spread evenly over
-- those working days (periods read as in capacity_period_end, per team, role and person).
-- needs: supply, demand
CREATE OR REPLACE MACRO capacity_supply_days_compute(as_of) AS TABLE
WITH supply AS (
    SELECT team, role, resource_name, period_start, available_hours
    FROM capacity_as_of(CAST(as_of AS DATE))
    WHERE available_hours >= 0 AND period_start IS NOT NULL  -- 0 hours: reported, none to give
),

-- a record's neighbours are the periods of the same supply line (team, role, person)
starts AS (
    SELECT team, role, resource_name, period_start,
           lag(period_start) OVER line AS prev_start,
           lead(period_start) OVER line AS next_start
    FROM (SELECT DISTINCT team, role, resource_name, period_start FROM supply)
    WINDOW line AS (PARTITION BY team, role, resource_name ORDER BY period_start)
),

periods AS (
    SELECT team, role, resource_name, period_start,
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

SELECT s.team, s.role, s.resource_name, s.period_start, c.work_date,
       s.available_hours / c.working_days AS hours
FROM supply AS s
JOIN periods AS p
    ON p.team = s.team AND p.role = s.role AND p.period_start = s.period_start
    AND p.resource_name IS NOT DISTINCT FROM s.resource_name
JOIN calendar AS c ON c.period_start = p.period_start AND c.period_end = p.period_end;
