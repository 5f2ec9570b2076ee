-- The query as it was before the as-of memos (bench/NOTES.md, "Fix 4"), kept so that
-- tests/sql/test_as_of_memos.py can prove the rewrite returns the same rows.
-- view: changes
-- grain: one row per change to a project between the snapshot as of $since and the one as
-- of $as_of, in scope. change_type is one of: new_project, left_portfolio, stopped_reporting,
-- stage, rag_declared, rag_computed, forecast_end, milestone, milestone_added,
-- milestone_removed, milestone_achieved, budget, eac, risk_opened, risk_closed. change_amount: days for dates (positive = later), money for budget and EAC,
-- steps of severity for RAG (positive = worse; blank when either side is not judged).
-- stopped_reporting: reported for the $since week, but not for the $as_of week (before and
-- after are the weeks of its report then and its last report now).
-- params: $as_of, $since, $portfolios, $programmes
WITH health AS (
    SELECT *
    FROM project_health_weeks([CAST($as_of AS DATE), CAST($since AS DATE)])
),

after AS (
    SELECT * FROM health WHERE week_date = CAST($as_of AS DATE)
),

before AS (
    SELECT * FROM health WHERE week_date = CAST($since AS DATE)
),

pairs AS (
    SELECT
        coalesce(a.project_id, b.project_id) AS project_id,
        coalesce(a.project_name, b.project_name) AS project_name,
        coalesce(a.portfolio, b.portfolio) AS portfolio,
        coalesce(a.programme, b.programme) AS programme,
        a.project_id IS NOT NULL AS is_after,
        b.project_id IS NOT NULL AS is_before,
        a.as_of_date AS after_report_date,
        a.weeks_stale AS after_weeks_stale,
        a.is_active AS after_is_active,
        b.weeks_stale AS before_weeks_stale,
        b.as_of_date AS before_report_date,
        b.rag_declared AS rag_declared_before, a.rag_declared AS rag_declared_after,
        b.rag_computed AS rag_computed_before, a.rag_computed AS rag_computed_after,
        b.forecast_end_date AS end_before, a.forecast_end_date AS end_after,
        b.bac AS bac_before, a.bac AS bac_after,
        b.eac AS eac_before, a.eac AS eac_after,
        b.stage AS stage_before, a.stage AS stage_after
    FROM after AS a
    FULL JOIN before AS b USING (project_id)
),

scoped AS (
    SELECT * FROM pairs WHERE epmo_in_scope(portfolio, programme, $portfolios, $programmes)
),

current AS (
    SELECT * FROM current_submissions_weeks([CAST($as_of AS DATE), CAST($since AS DATE)])
),

milestones AS (
    SELECT c.week_date, m.project_id, m.milestone_id, m.milestone_name, m.forecast_date, m.actual_date
    FROM raw_milestones AS m
    JOIN current AS c
        ON c.table_name = 'milestones' AND c.upload_id = m.upload_id AND c.entity_key = m.project_id
),

risks AS (
    SELECT c.week_date, r.project_id, r.raid_id, r.title, r.status
    FROM raw_raid AS r
    JOIN current AS c
        ON c.table_name = 'raid' AND c.upload_id = r.upload_id AND c.entity_key = r.project_id
    WHERE r.raid_type = 'Risk'
),

project_changes AS (
    SELECT project_id, 'new_project' AS change_type, 'project' AS field,
        NULL AS before_value, project_name AS after_value, NULL::DOUBLE AS change_amount
    FROM scoped WHERE is_after AND NOT is_before
    UNION ALL
    SELECT project_id, 'left_portfolio', 'project', project_name, NULL, NULL
    FROM scoped WHERE is_before AND NOT is_after
    UNION ALL
    SELECT project_id, 'stopped_reporting', 'as_of_date',
        CAST(before_report_date AS VARCHAR), CAST(after_report_date AS VARCHAR), NULL
    FROM scoped
    WHERE is_after AND is_before AND before_weeks_stale = 0 AND after_weeks_stale > 0
        AND after_is_active  -- the same rule as the rewrite (2026-12-01: not expected, not stopped)
    UNION ALL
    SELECT project_id, 'stage', 'stage', stage_before, stage_after, NULL
    FROM scoped WHERE is_after AND is_before AND stage_before IS DISTINCT FROM stage_after
    UNION ALL
    SELECT project_id, 'rag_declared', 'rag_overall', rag_declared_before, rag_declared_after,
        (CASE rag_declared_after WHEN 'Red' THEN 3 WHEN 'Amber' THEN 2 WHEN 'Green' THEN 1 END)
        - (CASE rag_declared_before WHEN 'Red' THEN 3 WHEN 'Amber' THEN 2 WHEN 'Green' THEN 1 END)
    FROM scoped WHERE is_after AND is_before AND rag_declared_before IS DISTINCT FROM rag_declared_after
    UNION ALL
    SELECT project_id, 'rag_computed', 'rag_computed', rag_computed_before, rag_computed_after,
        (CASE rag_computed_after WHEN 'Red' THEN 3 WHEN 'Amber' THEN 2 WHEN 'Green' THEN 1 END)
        - (CASE rag_computed_before WHEN 'Red' THEN 3 WHEN 'Amber' THEN 2 WHEN 'Green' THEN 1 END)
    FROM scoped WHERE is_after AND is_before AND rag_computed_before IS DISTINCT FROM rag_computed_after
    UNION ALL
    SELECT project_id, 'forecast_end', 'forecast_end_date',
        CAST(end_before AS VARCHAR), CAST(end_after AS VARCHAR), date_diff('day', end_before, end_after)
    FROM scoped WHERE is_after AND is_before AND end_before IS DISTINCT FROM end_after
    UNION ALL
    SELECT project_id, 'budget', 'budget_bac',
        CAST(bac_before AS VARCHAR), CAST(bac_after AS VARCHAR), bac_after - bac_before
    FROM scoped WHERE is_after AND is_before AND bac_before IS DISTINCT FROM bac_after
    UNION ALL
    SELECT project_id, 'eac', 'eac',
        CAST(round(eac_before, 2) AS VARCHAR), CAST(round(eac_after, 2) AS VARCHAR), eac_after - eac_before
    FROM scoped WHERE is_after AND is_before AND eac_before IS DISTINCT FROM eac_after
),

-- a milestone still open that moved; one achieved since (after: its actual date; amount: days
-- after the forecast it had); one added or removed by a project reported both weeks (a new
-- project's milestones are not each news)
milestone_pairs AS (
    SELECT
        coalesce(a.project_id, b.project_id) AS project_id,
        coalesce(a.milestone_name, b.milestone_name) AS milestone_name,
        a.milestone_id IS NOT NULL AS is_after,
        b.milestone_id IS NOT NULL AS is_before,
        b.forecast_date AS forecast_before, a.forecast_date AS forecast_after,
        b.actual_date AS actual_before, a.actual_date AS actual_after
    FROM (SELECT * FROM milestones WHERE week_date = CAST($as_of AS DATE)) AS a
    FULL JOIN (SELECT * FROM milestones WHERE week_date = CAST($since AS DATE)) AS b
        USING (project_id, milestone_id)
),

milestone_changes AS (
    SELECT project_id, 'milestone' AS change_type, milestone_name AS field,
        CAST(forecast_before AS VARCHAR) AS before_value, CAST(forecast_after AS VARCHAR) AS after_value,
        CAST(date_diff('day', forecast_before, forecast_after) AS DOUBLE) AS change_amount
    FROM milestone_pairs
    WHERE is_after AND is_before AND actual_before IS NULL AND actual_after IS NULL
      AND forecast_after IS DISTINCT FROM forecast_before
    UNION ALL
    SELECT project_id, 'milestone_achieved', milestone_name,
        CAST(forecast_before AS VARCHAR), CAST(actual_after AS VARCHAR),
        CAST(date_diff('day', forecast_before, actual_after) AS DOUBLE)
    FROM milestone_pairs
    WHERE is_after AND is_before AND actual_before IS NULL AND actual_after IS NOT NULL
    UNION ALL
    SELECT m.project_id, 'milestone_added', m.milestone_name, NULL, CAST(m.forecast_after AS VARCHAR), NULL
    FROM milestone_pairs AS m
    JOIN scoped AS s ON s.project_id = m.project_id AND s.is_after AND s.is_before
    WHERE m.is_after AND NOT m.is_before AND m.actual_after IS NULL
    UNION ALL
    SELECT m.project_id, 'milestone_removed', m.milestone_name, CAST(m.forecast_before AS VARCHAR), NULL, NULL
    FROM milestone_pairs AS m
    JOIN scoped AS s ON s.project_id = m.project_id AND s.is_after AND s.is_before
    WHERE m.is_before AND NOT m.is_after AND m.actual_before IS NULL
),

risk_changes AS (
    SELECT coalesce(a.project_id, b.project_id) AS project_id,
        CASE WHEN coalesce(a.status, '') = 'Open' THEN 'risk_opened' ELSE 'risk_closed' END AS change_type,
        coalesce(a.title, b.title) AS field,
        coalesce(b.status, '(none)') AS before_value,
        coalesce(a.status, '(removed)') AS after_value,
        NULL::DOUBLE AS change_amount
    FROM (SELECT * FROM risks WHERE week_date = CAST($as_of AS DATE)) AS a
    FULL JOIN (SELECT * FROM risks WHERE week_date = CAST($since AS DATE)) AS b USING (project_id, raid_id)
    WHERE (coalesce(a.status, '') = 'Open') <> (coalesce(b.status, '') = 'Open')
),

all_changes AS (
    SELECT * FROM project_changes
    UNION ALL
    SELECT m.* FROM milestone_changes AS m WHERE m.project_id IN (SELECT project_id FROM scoped)
    UNION ALL
    SELECT r.* FROM risk_changes AS r WHERE r.project_id IN (SELECT project_id FROM scoped)
)

SELECT
    c.project_id,
    s.project_name,
    s.portfolio,
    c.change_type,
    c.field,
    c.before_value,
    c.after_value,
    c.change_amount
FROM all_changes AS c
JOIN scoped AS s USING (project_id)
ORDER BY
    CASE c.change_type
        WHEN 'rag_computed' THEN 0 WHEN 'rag_declared' THEN 1 WHEN 'stopped_reporting' THEN 2
        WHEN 'stage' THEN 3 WHEN 'new_project' THEN 4 WHEN 'left_portfolio' THEN 5
        WHEN 'forecast_end' THEN 6 WHEN 'milestone' THEN 7 WHEN 'milestone_removed' THEN 8
        WHEN 'milestone_added' THEN 9 WHEN 'milestone_achieved' THEN 10 WHEN 'eac' THEN 11
        WHEN 'budget' THEN 12 ELSE 13
    END,
    abs(coalesce(c.change_amount, 0)) DESC,
    c.project_id,
    c.field
