-- table: demand_segment_memo
-- Part of the group that views/demand_memo.sql describes.
CREATE OR REPLACE TABLE demand_segment_memo AS
SELECT memo_as_of, project_id, role, team, resource_name, is_tentative,
       capacity_segment(work_date) AS segment_start, work_date AS first_date, work_date AS last_date, hours
FROM demand_memo
LIMIT 0;
