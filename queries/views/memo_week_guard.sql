-- macro: memo_week_guard(memo_name, as_of, definition)
-- Part of the group that views/memo_weeks.sql describes.
-- A memo read for a week it does not hold is an error, never an empty result: the readers of
-- the weekly memos (the as-of row memos in views/, views/capacity_demand_days.sql and the other capacity memo files) filter on this.
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
