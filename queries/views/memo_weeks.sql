-- table: memo_weeks
-- (the first of the group views/memo_weeks: memo_weeks, memo_week_guard)
-- grain: one row per memo (health, demand, supply, projects, milestones, raid) and week this
-- store connection has prepared: the weeks whose rows the memo tables hold
-- (views/project_health_weeks.sql, views/capacity_demand_days.sql and the other capacity memo files, the as-of row memos in views/); and
-- (history, W): the weeks of a project history as of W are in the health memo. epmo.sql
-- fills them before a query that reads them.
CREATE OR REPLACE TABLE memo_weeks (memo VARCHAR, week_date DATE);
