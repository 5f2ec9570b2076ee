-- grain: inserts the demand spread over working days as of $as_of into demand_memo
-- params: $as_of
-- In project order, so that a what-if reading the days of a few shifted projects reads only
-- their row groups (capacity_scenario_segments).
INSERT INTO demand_memo
SELECT CAST($as_of AS DATE), * FROM capacity_demand_days_compute(CAST($as_of AS DATE))
ORDER BY project_id
