-- table: supply_memo
-- Part of the group that views/demand_memo.sql describes.
CREATE OR REPLACE TABLE supply_memo AS
SELECT CAST(NULL AS DATE) AS memo_as_of, * FROM capacity_supply_days_compute(DATE '1900-01-01') LIMIT 0;
