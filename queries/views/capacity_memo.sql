-- macro: capacity_demand_days(as_of), capacity_supply_days(as_of), capacity_demand_segments(as_of), capacity_demand_months(as_of), capacity_projects(as_of) -> table
-- grain: as capacity_demand_days_compute / capacity_supply_days_compute (one row per demand
-- or capacity record and working day), for the as-of week; capacity_demand_segments: as
-- capacity_demand_segments_compute (one row per demand line, confirmed or tentative, and
-- segment: the part of a week in one month, see capacity_segment); capacity_demand_months: as
-- capacity_demand_months_compute (one row per demand line, month and side of the as-of
-- Monday); capacity_projects: one
-- row per project as of the week (projects_as_of: project_id, project_name, portfolio, programme)
-- Spreading every allocation and capacity record over its working days is the capacity
-- pages' main cost, and a page's queries (cells, shortage, past demand, what-if) each asked
-- for the same spread. Each store connection keeps it per as-of week in demand_memo and
-- supply_memo, computed once: epmo.sql prepares the as-of week a query binds before running
-- it (queries/memo/). A week that was not prepared is an error, never an empty result.
-- The pages sum the demand per period (week, month or quarter) and row: summing the days
-- per segment first, once per week (demand_segment_memo, prepared with demand_memo), leaves
-- them about a fifth of the rows to sum, and per month (demand_month_memo) a twentieth, for
-- the month and quarter grains (see capacity_scenario_segments). The projects' names
-- and scope (demand_project_memo, prepared with them) spare each query planning projects_as_of.
CREATE OR REPLACE TABLE demand_memo AS
SELECT CAST(NULL AS DATE) AS memo_as_of, * FROM capacity_demand_days_compute(DATE '1900-01-01') LIMIT 0;

CREATE OR REPLACE TABLE supply_memo AS
SELECT CAST(NULL AS DATE) AS memo_as_of, * FROM capacity_supply_days_compute(DATE '1900-01-01') LIMIT 0;

CREATE OR REPLACE TABLE demand_segment_memo AS
SELECT memo_as_of, project_id, role, team, resource_name, is_tentative,
       capacity_segment(work_date) AS segment_start, work_date AS first_date, work_date AS last_date, hours
FROM demand_memo
LIMIT 0;

CREATE OR REPLACE TABLE demand_month_memo AS
SELECT memo_as_of, project_id, role, team, resource_name, is_tentative,
       CAST(date_trunc('month', segment_start) AS DATE) AS month_start, true AS before_monday,
       segment_start, first_date, last_date, hours
FROM demand_segment_memo
LIMIT 0;

CREATE OR REPLACE TABLE demand_project_memo AS
SELECT CAST(NULL AS DATE) AS memo_as_of, project_id, project_name, portfolio, programme
FROM projects_as_of(DATE '1900-01-01')
LIMIT 0;

CREATE OR REPLACE MACRO capacity_demand_days(as_of) AS TABLE
SELECT * EXCLUDE (memo_as_of)
FROM demand_memo
WHERE memo_as_of = CAST(as_of AS DATE) AND memo_week_guard('demand', as_of, 'capacity_demand_days_compute(as_of)');

CREATE OR REPLACE MACRO capacity_supply_days(as_of) AS TABLE
SELECT * EXCLUDE (memo_as_of)
FROM supply_memo
WHERE memo_as_of = CAST(as_of AS DATE) AND memo_week_guard('supply', as_of, 'capacity_supply_days_compute(as_of)');

-- the definition of the segments: the demand days of the week summed per line and segment
-- (first_date / last_date: the line's first and last working day in the segment)
CREATE OR REPLACE MACRO capacity_demand_segments_compute(as_of) AS TABLE
SELECT project_id, role, team, resource_name, is_tentative,
       capacity_segment(work_date) AS segment_start,
       min(work_date) AS first_date, max(work_date) AS last_date, sum(hours) AS hours
FROM capacity_demand_days(as_of)
GROUP BY project_id, role, team, resource_name, is_tentative, capacity_segment(work_date);

CREATE OR REPLACE MACRO capacity_demand_segments(as_of) AS TABLE
SELECT * EXCLUDE (memo_as_of)
FROM demand_segment_memo
WHERE memo_as_of = CAST(as_of AS DATE) AND memo_week_guard('demand', as_of, 'capacity_demand_segments_compute(as_of)');

CREATE OR REPLACE MACRO capacity_projects(as_of) AS TABLE
SELECT * EXCLUDE (memo_as_of)
FROM demand_project_memo
WHERE memo_as_of = CAST(as_of AS DATE) AND memo_week_guard('demand', as_of, 'projects_as_of(as_of)');

-- the definition of the months: the segments summed per line, month and side of the Monday of
-- the as-of week (segment_start: the first segment of the row; a month of the as-of week has
-- a row before and a row from that Monday)
CREATE OR REPLACE MACRO capacity_demand_months_compute(as_of) AS TABLE
SELECT project_id, role, team, resource_name, is_tentative,
       CAST(date_trunc('month', segment_start) AS DATE) AS month_start,
       segment_start < CAST(date_trunc('week', CAST(as_of AS DATE)) AS DATE) AS before_monday,
       min(segment_start) AS segment_start, min(first_date) AS first_date, max(last_date) AS last_date,
       sum(hours) AS hours
FROM capacity_demand_segments(as_of)
GROUP BY ALL;

CREATE OR REPLACE MACRO capacity_demand_months(as_of) AS TABLE
SELECT * EXCLUDE (memo_as_of)
FROM demand_month_memo
WHERE memo_as_of = CAST(as_of AS DATE) AND memo_week_guard('demand', as_of, 'capacity_demand_months_compute(as_of)');
