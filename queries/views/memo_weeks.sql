-- table: memo_weeks; macro: memo_week_guard(memo_name, as_of, definition) -> true or an error
-- grain: one row per memo (health, demand, supply, projects, milestones, raid) and week this
-- store connection has prepared: the weeks whose rows the memo tables hold
-- (views/project_health_memo.sql, views/capacity_memo.sql, views/as_of_memo.sql); and
-- (history, W): the weeks of a project history as of W are in the health memo. epmo.sql
-- fills them before a query that reads them.
CREATE OR REPLACE TABLE memo_weeks (memo VARCHAR, week_date DATE);

-- A memo read for a week it does not hold is an error, never an empty result: the readers of
-- the weekly memos (views/as_of_memo.sql, views/capacity_memo.sql) filter on this.
CREATE OR REPLACE MACRO memo_week_guard(memo_name, as_of, definition) AS
CASE
    WHEN (
        SELECT count(*) FROM memo_weeks WHERE memo = memo_name AND week_date = CAST(as_of AS DATE)
    ) > 0 THEN true
    ELSE error(
        memo_name || ': the week ' || CAST(CAST(as_of AS DATE) AS VARCHAR)
        || ' was not prepared on this connection: run the query through epmo.sql, which '
        || 'prepares the weeks it binds, or read ' || definition
    )
END;
