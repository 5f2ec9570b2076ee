-- table: demand_month_memo
-- Part of the group that views/demand_memo.sql describes.
CREATE OR REPLACE TABLE demand_month_memo AS
SELECT memo_as_of, project_id, role, team, resource_name, is_tentative,
       CAST(date_trunc('month', segment_start) AS DATE) AS month_start, true AS before_monday,
       segment_start, first_date, last_date, hours
FROM demand_segment_memo
LIMIT 0;
