-- grain: inserts the capacity spread over working days as of $as_of into supply_memo
-- params: $as_of
INSERT INTO supply_memo
SELECT CAST($as_of AS DATE), * FROM capacity_supply_days_compute(CAST($as_of AS DATE))
