-- table: memo_weeks
-- grain: one row per memo (health, demand, supply, projects, milestones, raid) and week this
-- store connection has prepared: the weeks whose rows the memo tables hold
-- (views/project_health_memo.sql, views/capacity_memo.sql, views/as_of_memo.sql); and
-- (history, W): the weeks of a project history as of W are in the health memo. epmo.sql
-- fills them before a query that reads them.
CREATE OR REPLACE TABLE memo_weeks (memo VARCHAR, week_date DATE);
