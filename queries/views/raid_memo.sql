-- table: raid_memo
-- Part of the group that views/projects_memo.sql describes.
CREATE OR REPLACE TABLE raid_memo AS
SELECT CAST(NULL AS DATE) AS memo_as_of, * FROM raid_as_of(DATE '1900-01-01') LIMIT 0;
