-- grain: inserts the demand of $as_of summed per line, month and side of the as-of Monday into demand_month_memo
-- params: $as_of
-- Run by epmo.sql after the week's segments (same transaction). In month order, so that a
-- horizon reads only its row groups.
INSERT INTO demand_month_memo
SELECT CAST($as_of AS DATE), * FROM capacity_demand_months_compute(CAST($as_of AS DATE))
ORDER BY month_start
