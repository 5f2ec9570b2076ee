-- macro: capacity_demand_segments_compute(as_of)
-- Part of the group that views/demand_memo.sql describes.
-- the definition of the segments: the demand days of the week summed per line and segment
-- (first_date / last_date: the line's first and last working day in the segment)
CREATE OR REPLACE MACRO capacity_demand_segments_compute(as_of) AS TABLE
SELECT project_id, role, team, resource_name, is_tentative,
       capacity_segment(work_date) AS segment_start,
       min(work_date) AS first_date, max(work_date) AS last_date, sum(hours) AS hours
FROM capacity_demand_days(as_of)
GROUP BY project_id, role, team, resource_name, is_tentative, capacity_segment(work_date);
