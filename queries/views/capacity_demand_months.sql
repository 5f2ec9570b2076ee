-- macro: capacity_demand_months(as_of)
-- Part of the group that views/demand_memo.sql describes.
CREATE OR REPLACE MACRO capacity_demand_months(as_of) AS TABLE
SELECT * EXCLUDE (memo_as_of)
FROM demand_month_memo
WHERE memo_as_of = CAST(as_of AS DATE) AND memo_week_guard('demand', as_of, 'capacity_demand_months_compute(as_of)');
