-- macro: projects_as_of_memo(as_of), milestones_as_of_memo(as_of), raid_as_of_memo(as_of) -> table
-- grain: as projects_as_of / milestones_as_of / raid_as_of (one row per current record of
-- each project as of the week), for the as-of week
-- Each <table>_as_of(as_of) reads the table's whole stored history (every week ever
-- submitted) to keep the rows in force on one week; at large scale that scan is most of a
-- milestone, RAID, project list or candidates query, and a page runs several of them for
-- the same one or two weeks. So each store connection keeps the rows of every week asked for
-- in projects_memo, milestones_memo and raid_memo, computed once from the definitions:
-- epmo.sql prepares the weeks a query binds before running it (queries/memo/). A week that
-- was not prepared is an error, never an empty result.
CREATE OR REPLACE TABLE projects_memo AS
SELECT CAST(NULL AS DATE) AS memo_as_of, * FROM projects_as_of(DATE '1900-01-01') LIMIT 0;

CREATE OR REPLACE TABLE milestones_memo AS
SELECT CAST(NULL AS DATE) AS memo_as_of, * FROM milestones_as_of(DATE '1900-01-01') LIMIT 0;

CREATE OR REPLACE TABLE raid_memo AS
SELECT CAST(NULL AS DATE) AS memo_as_of, * FROM raid_as_of(DATE '1900-01-01') LIMIT 0;

CREATE OR REPLACE MACRO projects_as_of_memo(as_of) AS TABLE
SELECT * EXCLUDE (memo_as_of)
FROM projects_memo
WHERE memo_as_of = CAST(as_of AS DATE) AND memo_week_guard('projects', as_of, 'projects_as_of(as_of)');

CREATE OR REPLACE MACRO milestones_as_of_memo(as_of) AS TABLE
SELECT * EXCLUDE (memo_as_of)
FROM milestones_memo
WHERE memo_as_of = CAST(as_of AS DATE) AND memo_week_guard('milestones', as_of, 'milestones_as_of(as_of)');

CREATE OR REPLACE MACRO raid_as_of_memo(as_of) AS TABLE
SELECT * EXCLUDE (memo_as_of)
FROM raid_memo
WHERE memo_as_of = CAST(as_of AS DATE) AND memo_week_guard('raid', as_of, 'raid_as_of(as_of)');

-- macro: key_milestone_history() -> table, key_milestone_history_memo() -> table
-- grain: one row per reporting week and key milestone of every project: the milestone as
-- reported in the submission that won that week (submission_validity), with report_date =
-- the week. A milestone trend (health/milestone_trend) reads a few projects of it; their
-- rows are spread over the whole stored history, so each trend read every stored milestone.
-- It does not depend on the as-of week, so each store connection computes it once, sorted
-- by project (a project's rows sit together), when a query first reads it.
CREATE OR REPLACE MACRO key_milestone_history() AS TABLE
SELECT
    v.valid_from AS report_date,
    m.project_id,
    m.milestone_id,
    m.milestone_name,
    m.baseline_date,
    coalesce(m.actual_date, m.forecast_date) AS forecast_date,
    m.actual_date IS NOT NULL AS is_achieved
FROM raw_milestones AS m
JOIN submission_validity AS v
    ON v.upload_id = m.upload_id AND v.entity_key = m.project_id AND v.table_name = 'milestones'
WHERE coalesce(m.is_key, false);

CREATE OR REPLACE TABLE key_milestone_memo AS
SELECT * FROM key_milestone_history() LIMIT 0;

CREATE OR REPLACE MACRO key_milestone_history_memo() AS TABLE
SELECT *
FROM key_milestone_memo
WHERE CASE
    WHEN (SELECT count(*) FROM memo_weeks WHERE memo = 'key_milestones') > 0 THEN true
    ELSE error(
        'key_milestone_history_memo: not prepared on this connection: run the query through '
        || 'epmo.sql, which prepares it, or read key_milestone_history()'
    )
END;
