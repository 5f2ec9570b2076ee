-- table: demand_project_memo
-- Part of the group that views/demand_memo.sql describes.
CREATE OR REPLACE TABLE demand_project_memo AS
SELECT CAST(NULL AS DATE) AS memo_as_of, project_id, project_name, portfolio, programme
FROM projects_as_of(DATE '1900-01-01')
LIMIT 0;
