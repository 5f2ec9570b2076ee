-- macro: capacity_demand_months_compute(as_of)
-- Part of the group that views/demand_memo.sql describes.
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
