-- table: health_memo
-- (the first of the group views/project_health_memo: health_memo, project_health_weeks)
-- grain: one row per week of the list `weeks` and project in the portfolio as of that week
-- The health definition (project_health_compute, views/project_health_compute.sql) is a long
-- macro: planning it costs as much as running it, and a page runs several health queries
-- for the same one or two weeks. So each store connection keeps the health of every week
-- asked for in health_memo, computed once: epmo.sql prepares the weeks a query binds
-- (parameters as_of, previous, since; a project history: the weeks it shows) before running
-- it (queries/memo/). A week that was not prepared is an error, never a silent empty
-- result. Same columns, same rows as project_health_compute(weeks).
CREATE OR REPLACE TABLE health_memo AS
SELECT * FROM project_health_compute(CAST([] AS DATE[]));
