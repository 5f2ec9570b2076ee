-- view: projects, milestones, raid, allocations, capacity, financials, project_health, uploads
-- grain: the explorer's views for its chosen week: one row per current record as of the
-- week (the <table>_as_of macros), the per-project health for the week, and the upload
-- ledger (one row per accepted upload, retracted ones flagged)
-- The week is the session variable explorer_as_of, set (as a bound parameter) by
-- epmo/sandbox.py before the connection is locked; the explorer refuses SET, so a query
-- cannot change it.
-- The explorer's own connection computes health, capacity spreads and as-of rows on demand
-- for any week (the app's connections keep a per-week memo that epmo.sql fills; an analyst's
-- query cannot).
-- needs: health, demand, supply, projects, milestones, raid, flow_items, key_milestones, project_report_hashes
CREATE OR REPLACE MACRO project_health_weeks(weeks) AS TABLE
SELECT * FROM project_health_compute(weeks);
CREATE OR REPLACE MACRO capacity_demand_days(as_of) AS TABLE
SELECT * FROM capacity_demand_days_compute(as_of);
CREATE OR REPLACE MACRO capacity_supply_days(as_of) AS TABLE
SELECT * FROM capacity_supply_days_compute(as_of);
CREATE OR REPLACE MACRO projects_as_of_memo(as_of) AS TABLE
SELECT * FROM projects_as_of(as_of);
CREATE OR REPLACE MACRO milestones_as_of_memo(as_of) AS TABLE
SELECT * FROM milestones_as_of(as_of);
CREATE OR REPLACE MACRO raid_as_of_memo(as_of) AS TABLE
SELECT * FROM raid_as_of(as_of);
CREATE OR REPLACE MACRO flow_items_memo(as_of) AS TABLE
SELECT * FROM flow_items(as_of);
CREATE OR REPLACE MACRO flow_facts_memo(as_of) AS TABLE
SELECT p.project_name, p.portfolio, p.programme, i.*
FROM flow_items(as_of) AS i LEFT JOIN projects_as_of(as_of) AS p ON p.project_id = i.project_id
WHERE i.is_counted;
CREATE OR REPLACE MACRO key_milestone_history_memo() AS TABLE
SELECT * FROM key_milestone_history();
CREATE OR REPLACE MACRO project_report_hashes_memo() AS TABLE
SELECT * FROM project_report_hashes();
CREATE OR REPLACE MACRO capacity_demand_segments(as_of) AS TABLE
SELECT * FROM capacity_demand_segments_compute(as_of);
CREATE OR REPLACE MACRO capacity_demand_months(as_of) AS TABLE
SELECT * FROM capacity_demand_months_compute(as_of);
CREATE OR REPLACE MACRO capacity_projects(as_of) AS TABLE
SELECT project_id, project_name, portfolio, programme FROM projects_as_of(CAST(as_of AS DATE));
CREATE OR REPLACE VIEW projects AS SELECT * FROM projects_as_of(getvariable('explorer_as_of'));
CREATE OR REPLACE VIEW milestones AS SELECT * FROM milestones_as_of(getvariable('explorer_as_of'));
CREATE OR REPLACE VIEW raid AS SELECT * FROM raid_as_of(getvariable('explorer_as_of'));
CREATE OR REPLACE VIEW allocations AS SELECT * FROM allocations_as_of(getvariable('explorer_as_of'));
CREATE OR REPLACE VIEW capacity AS SELECT * FROM capacity_as_of(getvariable('explorer_as_of'));
CREATE OR REPLACE VIEW financials AS SELECT * FROM financials_as_of(getvariable('explorer_as_of'));
CREATE OR REPLACE VIEW project_health AS SELECT * FROM project_health(getvariable('explorer_as_of'));
CREATE OR REPLACE VIEW uploads AS SELECT * FROM accepted_uploads;
