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
--   3. its rows are the project's current record. A project is expected to report when
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
    SELECT u.upload_id, u.as_of_date, u.event_at AS committed_at
    FROM uploads AS u
    LEFT JOIN retracted AS r ON r.upload_id = u.upload_id
    WHERE u.event = 'accepted' AND r.upload_id IS NULL AND u.as_of_date IS NOT NULL
),

ranked AS (
    SELECT
        s.entity_key AS project_id,
        s.upload_id,
        lu.as_of_date,
        row_number() OVER (
            PARTITION BY s.entity_key
            ORDER BY lu.as_of_date DESC, lu.committed_at DESC, s.upload_id DESC
        ) AS rn
    FROM submissions AS s
    JOIN live_uploads AS lu ON lu.upload_id = s.upload_id
    CROSS JOIN params
    WHERE s.table_name = 'projects' AND lu.as_of_date <= params.as_of
),

current_projects AS (
    SELECT p.*, r.as_of_date, CASE WHEN a.stage IS NULL THEN 0 ELSE 1 END AS is_expected
    FROM ranked AS r
    JOIN projects AS p ON p.upload_id = r.upload_id AND p.project_id = r.project_id
    LEFT JOIN active_stages AS a ON a.stage = p.stage
    WHERE r.rn = 1
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
