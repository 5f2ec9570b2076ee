-- macro: capacity_demand_days(as_of)
-- Part of the group that views/demand_memo.sql describes.
CREATE OR REPLACE MACRO capacity_demand_days(as_of) AS TABLE
SELECT * EXCLUDE (memo_as_of)
FROM demand_memo
WHERE memo_as_of = CAST(as_of AS DATE) AND memo_week_guard('demand', as_of, 'capacity_demand_days_compute(as_of)');
