-- macro: project_health_weeks(weeks) -> table
-- grain: one row per week of the list `weeks` and project in the portfolio as of that week
-- The health definition (project_health_compute, views/project_health_weeks.sql) is a long
-- macro: planning it costs as much as running it, and a page runs several health queries
-- for the same one or two weeks. So each store connection keeps the health of every week
-- asked for in health_memo, computed once: epmo.sql prepares the weeks a query binds
-- (parameters as_of, previous, since; a project history: the weeks it shows) before running
-- it (queries/memo/). A week that was not prepared is an error, never a silent empty
-- result. Same columns, same rows as project_health_compute(weeks).
CREATE OR REPLACE TABLE health_memo AS
SELECT * FROM project_health_compute(CAST([] AS DATE[]));

CREATE OR REPLACE MACRO project_health_weeks(weeks) AS TABLE
SELECT m.*
FROM health_memo AS m
WHERE
    list_contains(weeks, m.week_date)
    AND (
        SELECT
            CASE
                WHEN count(*) = 0 THEN true
                ELSE error(
                    'project_health_weeks: the health of ' || string_agg(CAST(w.week_date AS VARCHAR), ', ')
                    || ' was not prepared on this connection: run the query through epmo.sql, '
                    || 'which prepares the weeks it binds, or read project_health_compute(weeks)'
                )
            END
        FROM (SELECT unnest(weeks) AS week_date) AS w
        WHERE w.week_date NOT IN (SELECT week_date FROM memo_weeks WHERE memo = 'health')
    );
