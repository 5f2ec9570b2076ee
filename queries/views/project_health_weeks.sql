-- macro: project_health_weeks(weeks)
-- Part of the group that views/health_memo.sql describes.
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
