-- grain: inserts the demand spread over working days as of $as_of into demand_memo
-- params: $as_of
INSERT INTO demand_memo
SELECT CAST($as_of AS DATE), * FROM capacity_demand_days_compute(CAST($as_of AS DATE))
