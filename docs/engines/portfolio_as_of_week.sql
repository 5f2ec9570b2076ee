-- "The portfolio as of week W" over the store's Delta tables, in SQL that Spark SQL,
-- Databricks, Microsoft Fabric, Trino and DataFusion all run (no DuckDB-only syntax:
-- no QUALIFY, no macros, no FILTER clause). Register the Delta tables under the store's
-- prefix as `uploads`, `submissions` and `projects` (for example
-- CREATE TABLE uploads USING DELTA LOCATION 's3://bucket/epmo/uploads' in Spark), put the
-- week in the `params` row, and this returns Home's headline row for that week. The rule
-- is the one of queries/views/current_submissions_weeks.sql:
--   1. an upload counts when the ledger has its 'accepted' event and no 'retracted' event;
--   2. for each project, the submission in force on W is the latest live upload of the
--      projects table with as_of_date <= W (for two uploads of the same week, the later
--      commit wins, then the higher upload_id);
--   3. its rows are the project's current record; a "no change this week" confirmation
--      (a ledger row whose sha256 starts with 'confirm:', submissions but no rows) is in
--      force for its week with the rows of the project's latest earlier submission that
--      carried rows (queries/views/submission_validity.sql). A project is expected to report when
--      its stage is one of [health] active_stages (settings.toml; the list in `params`);
--      of those, it "reported this week" when its as_of_date is within the 7 days ending
--      W, and is "stale" (missing) otherwise.
-- tests/unit/test_second_engine.py runs this file on DataFusion (deltalake's QueryBuilder)
-- and compares it with DuckDB's health/headline. The only edit an engine needs is the
-- date in `params`.
WITH params AS (
    SELECT DATE '2026-11-20' AS as_of
),

active_stages AS (  -- [health] active_stages in settings.toml
    SELECT 'Initiation' AS stage UNION ALL SELECT 'Planning'
    UNION ALL SELECT 'Execution' UNION ALL SELECT 'Closing'
),

retracted AS (
    SELECT DISTINCT upload_id FROM uploads WHERE event = 'retracted'
),

live_uploads AS (
    SELECT
        u.upload_id,
        u.as_of_date,
        u.event_at AS committed_at,
        CASE WHEN u.sha256 LIKE 'confirm:%' THEN 1 ELSE 0 END AS is_confirmation
    FROM uploads AS u
    LEFT JOIN retracted AS r ON r.upload_id = u.upload_id
    WHERE u.event = 'accepted' AND r.upload_id IS NULL AND u.as_of_date IS NOT NULL
),

week_winners AS (  -- each project's submission of each week up to W: the last committed
    SELECT project_id, upload_id, as_of_date, is_confirmation
    FROM (
        SELECT
            s.entity_key AS project_id,
            s.upload_id,
            lu.as_of_date,
            lu.is_confirmation,
            row_number() OVER (
                PARTITION BY s.entity_key, lu.as_of_date
                ORDER BY lu.committed_at DESC, s.upload_id DESC
            ) AS rn
        FROM submissions AS s
        JOIN live_uploads AS lu ON lu.upload_id = s.upload_id
        CROSS JOIN params
        WHERE s.table_name = 'projects' AND lu.as_of_date <= params.as_of
    ) AS w
    WHERE w.rn = 1
),

in_force AS (  -- the week of the submission in force on W (a confirmation's own week)
    SELECT project_id, as_of_date
    FROM (
        SELECT project_id, as_of_date,
               row_number() OVER (PARTITION BY project_id ORDER BY as_of_date DESC) AS rn
        FROM week_winners
    ) AS f
    WHERE f.rn = 1
),

with_rows AS (  -- the rows in force: the latest of those submissions that carried rows
    SELECT project_id, upload_id
    FROM (
        SELECT project_id, upload_id,
               row_number() OVER (PARTITION BY project_id ORDER BY as_of_date DESC) AS rn
        FROM week_winners
        WHERE is_confirmation = 0
    ) AS d
    WHERE d.rn = 1
),

current_projects AS (
    SELECT p.*, f.as_of_date, CASE WHEN a.stage IS NULL THEN 0 ELSE 1 END AS is_expected
    FROM in_force AS f
    JOIN with_rows AS d ON d.project_id = f.project_id
    JOIN projects AS p ON p.upload_id = d.upload_id AND p.project_id = d.project_id
    LEFT JOIN active_stages AS a ON a.stage = p.stage
)

SELECT
    count(c.project_id) AS project_count,
    sum(c.is_expected) AS expected_count,
    sum(CASE WHEN c.as_of_date > params.as_of - INTERVAL '7' DAY THEN c.is_expected ELSE 0 END)
        AS reporting_count,
    sum(CASE WHEN c.as_of_date <= params.as_of - INTERVAL '7' DAY THEN c.is_expected ELSE 0 END)
        AS stale_count,
    coalesce(sum(c.budget_bac), 0) AS total_bac,
    coalesce(sum(c.actual_cost), 0) AS total_ac,
    sum(CASE WHEN c.actual_cost IS NOT NULL
             THEN coalesce(c.earned_value, c.percent_complete / 100.0 * c.budget_bac) END)
        / sum(CASE WHEN c.actual_cost IS NOT NULL
                    AND coalesce(c.earned_value, c.percent_complete / 100.0 * c.budget_bac) IS NOT NULL
                   THEN c.actual_cost END) AS cpi,
    sum(CASE WHEN c.rag_overall = 'Red' THEN 1 ELSE 0 END) AS declared_red_count,
    sum(CASE WHEN c.rag_overall = 'Amber' THEN 1 ELSE 0 END) AS declared_amber_count,
    sum(CASE WHEN c.rag_overall = 'Green' THEN 1 ELSE 0 END) AS declared_green_count
FROM current_projects AS c
CROSS JOIN params
