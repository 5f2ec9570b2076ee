-- macro: project_health_compute(weeks)
-- grain: one row per week of the list `weeks` and project in the portfolio as of that week
-- The definition of every per-project health metric (earned value and the rule-computed
-- RAG), documented in docs/metrics.md. Queries read it through project_health_weeks(weeks)
-- (views/project_health_weeks.sql: each week computed once per store connection);
-- project_health(as_of) is the one-week form.
-- Status date: the date the project's own report is for (as_of_date). PV, EV and AC are
-- all measured at it; overdue checks use the as-of week (week_date).
-- Rules come from the health_rules table (the [health] section of settings.toml). Reasons
-- show ratios rounded to 2 decimals, as the pages do, or to 4 where 2 would read as the
-- limit itself (0.8499 'below 0.85').
CREATE OR REPLACE MACRO project_health_compute(weeks) AS TABLE
WITH current AS (
    SELECT * FROM current_submissions_weeks(weeks)
),

rules AS (
    SELECT * FROM health_rules
),

projects AS (
    SELECT c.week_date, c.as_of_date, c.weeks_stale, p.* EXCLUDE (source_row, upload_id)
    FROM raw_projects AS p
    JOIN current AS c
        ON c.table_name = 'projects' AND c.upload_id = p.upload_id AND c.entity_key = p.project_id
),

financials AS (
    SELECT c.week_date, f.project_id, f.period_start, f.planned_cost
    FROM raw_financials AS f
    JOIN current AS c
        ON c.table_name = 'financials' AND c.upload_id = f.upload_id AND c.entity_key = f.project_id
    WHERE f.planned_cost IS NOT NULL
),

milestones AS (
    SELECT c.week_date, m.project_id, m.milestone_name, m.baseline_date, m.forecast_date
    FROM raw_milestones AS m
    JOIN current AS c
        ON c.table_name = 'milestones' AND c.upload_id = m.upload_id AND c.entity_key = m.project_id
    WHERE coalesce(m.is_key, false) AND m.actual_date IS NULL
),

risks AS (
    SELECT c.week_date, r.project_id, r.probability * r.impact AS risk_score, r.due_date
    FROM raw_raid AS r
    JOIN current AS c
        ON c.table_name = 'raid' AND c.upload_id = r.upload_id AND c.entity_key = r.project_id
    WHERE r.raid_type = 'Risk' AND r.status = 'Open'
),

-- planned cost due by the status date: months wholly before it, and the month it falls in
-- pro rata by the project's days in that month (from its start_date, to its
-- baseline_end_date, when they fall inside the month; a month outside its dates, every
-- day of the month): a project
-- starting on 26 Sep had 4/30 of September's plan due on 4 Sep, nothing done, SPI 0 and Red
phased_days AS (
    SELECT
        week_date,
        project_id,
        as_of_date,
        planned_cost,
        CASE WHEN project_first <= project_last THEN project_first ELSE period_start END AS first_day,
        CASE WHEN project_first <= project_last THEN project_last ELSE last_day(period_start) END AS last_day
    FROM (
        SELECT
            p.week_date,
            p.project_id,
            p.as_of_date,
            f.planned_cost,
            f.period_start,
            greatest(f.period_start, coalesce(p.start_date, f.period_start)) AS project_first,
            least(last_day(f.period_start), coalesce(p.baseline_end_date, last_day(f.period_start))) AS project_last
        FROM projects AS p
        JOIN financials AS f USING (week_date, project_id)
    )
),

phased_pv AS (
    SELECT
        week_date,
        project_id,
        sum(
            planned_cost * CASE
                WHEN as_of_date < first_day THEN 0.0
                WHEN as_of_date >= last_day THEN 1.0
                ELSE (date_diff('day', first_day, as_of_date) + 1) / (date_diff('day', first_day, last_day) + 1)
            END
        ) AS pv
    FROM phased_days
    GROUP BY ALL
),

worst_milestone AS (
    SELECT
        week_date,
        project_id,
        max(date_diff('day', baseline_date, forecast_date)) AS key_milestone_slip_days,
        arg_max(milestone_name, date_diff('day', baseline_date, forecast_date)) AS key_milestone_name
    FROM milestones
    GROUP BY ALL
),

-- agile: the work-item forecast of the project's backlog in force that week (Monte Carlo,
-- epmo/flow.py, kept in flow_forecast_memo by epmo.sql before the health is computed);
-- rag_date is the [flow] rag_percentile (85 %) date
forecasts AS (
    SELECT c.week_date, f.project_id, f.rag_date, f.remaining_items, f.done_in_window, f.created_in_window,
           f.forecast_note
    FROM flow_forecast_memo AS f
    JOIN current AS c
        ON c.table_name = 'work_items' AND c.upload_id = f.upload_id AND c.entity_key = f.project_id
        AND c.as_of_date = f.as_of_date  -- a confirmed backlog: its forecast of that week
),

overdue_risks AS (
    SELECT risks.week_date, risks.project_id, count(*) AS overdue_risk_count
    FROM risks, rules
    WHERE risks.risk_score >= rules.overdue_risk_score AND risks.due_date < risks.week_date
    GROUP BY ALL
),

inputs AS (
    SELECT
        p.*,
        p.budget_bac AS bac,
        p.actual_cost AS ac,
        CASE
            WHEN ph.pv IS NOT NULL THEN ph.pv
            WHEN p.planned_value IS NOT NULL THEN p.planned_value
            WHEN p.baseline_end_date > p.start_date
                THEN p.budget_bac * least(greatest(
                    date_diff('day', p.start_date, p.as_of_date)
                    / date_diff('day', p.start_date, p.baseline_end_date), 0.0), 1.0)
        END AS pv,
        CASE
            WHEN ph.pv IS NOT NULL THEN 'financials'
            WHEN p.planned_value IS NOT NULL THEN 'reported'
            WHEN p.baseline_end_date > p.start_date THEN 'linear'
        END AS pv_source,
        coalesce(p.earned_value, p.percent_complete / 100.0 * p.budget_bac) AS ev,
        CASE
            WHEN p.earned_value IS NOT NULL THEN 'reported'
            WHEN p.percent_complete IS NOT NULL AND p.budget_bac IS NOT NULL THEN 'percent_complete'
        END AS ev_source,
        date_diff('day', p.baseline_end_date, coalesce(p.actual_end_date, p.forecast_end_date))
            AS forecast_slip_days,
        wm.key_milestone_name,
        wm.key_milestone_slip_days,
        -- a forecast date before the status date with items left is no evidence of being on
        -- time: the backlog in force (last reported on its own date) still had them, so the
        -- earliest they can be done is the status date (a backlog reported in December gave a
        -- January date that kept a project Green in April, past its baseline end, 5 items left)
        CASE
            WHEN fc.remaining_items > 0 AND fc.rag_date < p.as_of_date THEN p.as_of_date ELSE fc.rag_date
        END AS flow_forecast_date,
        fc.remaining_items AS flow_remaining_items,
        fc.done_in_window AS flow_done_in_window,
        fc.created_in_window AS flow_created_in_window,
        CASE
            WHEN fc.remaining_items > 0 AND fc.rag_date < p.as_of_date THEN printf(
                'the backlog''s forecast date %s has passed with %d items left in it; ',
                strftime(fc.rag_date, '%d %b %Y'), fc.remaining_items)
            ELSE ''
        END || fc.forecast_note AS flow_note,
        date_diff(
            'day',
            p.baseline_end_date,
            CASE WHEN fc.remaining_items > 0 AND fc.rag_date < p.as_of_date THEN p.as_of_date ELSE fc.rag_date END
        ) AS flow_slip_days,
        fc.project_id IS NOT NULL AS has_flow,
        coalesce(orr.overdue_risk_count, 0) AS overdue_risk_count,
        epmo_expected_to_report(p.stage) AS is_active
    FROM projects AS p
    CROSS JOIN rules
    LEFT JOIN phased_pv AS ph USING (week_date, project_id)
    LEFT JOIN worst_milestone AS wm USING (week_date, project_id)
    LEFT JOIN overdue_risks AS orr USING (week_date, project_id)
    LEFT JOIN forecasts AS fc USING (week_date, project_id)
),

ratios AS (
    SELECT
        *,
        ev - ac AS cv,
        ev - pv AS sv,
        CASE WHEN ac <> 0 THEN ev / ac END AS cpi,
        CASE WHEN pv <> 0 THEN ev / pv END AS spi
    FROM inputs
),

estimates AS (
    SELECT
        *,
        CASE WHEN cpi <> 0 THEN bac / cpi END AS eac_cpi,
        ac + (bac - ev) AS eac_atypical,
        CASE WHEN cpi * spi <> 0 THEN ac + (bac - ev) / (cpi * spi) END AS eac_cpi_spi,
        forecast_eac AS eac_pm
    FROM ratios
),

chosen AS (
    SELECT
        e.*,
        list_filter(
            list_transform(
                CASE rules.primary_eac
                    WHEN 'cpi' THEN ['cpi', 'pm', 'atypical']
                    WHEN 'atypical' THEN ['atypical', 'pm', 'cpi']
                    WHEN 'cpi_spi' THEN ['cpi_spi', 'pm', 'cpi', 'atypical']
                    ELSE ['pm', 'cpi', 'atypical']
                END,
                lambda b: {
                    'basis': b,
                    'value': CASE b
                        WHEN 'pm' THEN e.eac_pm
                        WHEN 'cpi' THEN e.eac_cpi
                        WHEN 'atypical' THEN e.eac_atypical
                        ELSE e.eac_cpi_spi
                    END
                }
            ),
            lambda x: x.value IS NOT NULL
        )[1] AS eac_pick,
        CASE
            WHEN NOT e.is_active THEN NULL
            WHEN e.cpi < rules.cpi_red_below THEN 3
            WHEN e.cpi < rules.cpi_amber_below THEN 2
            WHEN e.cpi IS NOT NULL THEN 1
        END AS cpi_severity,
        CASE
            WHEN NOT e.is_active THEN NULL
            WHEN e.spi < rules.spi_red_below THEN 3
            WHEN e.spi < rules.spi_amber_below THEN 2
            WHEN e.spi IS NOT NULL THEN 1
        END AS spi_severity,
        -- an Agile project with a work-item forecast is judged on its forecast date instead
        -- of the reported forecast end (flow_severity); Hybrid projects on both
        CASE
            WHEN NOT e.is_active THEN NULL
            WHEN e.delivery_method = 'Agile' AND e.has_flow THEN NULL
            WHEN e.forecast_slip_days >= rules.slip_red_days THEN 3
            WHEN e.forecast_slip_days >= rules.slip_amber_days THEN 2
            WHEN e.forecast_slip_days IS NOT NULL THEN 1
        END AS end_severity,
        CASE
            WHEN NOT e.is_active THEN NULL
            WHEN e.key_milestone_slip_days >= rules.slip_red_days THEN 3
            WHEN e.key_milestone_slip_days >= rules.slip_amber_days THEN 2
            WHEN e.key_milestone_slip_days IS NOT NULL THEN 1
        END AS milestone_severity,
        CASE
            WHEN NOT e.is_active THEN NULL
            WHEN e.overdue_risk_count > 0 THEN 2
            ELSE 1
        END AS risk_severity,
        CASE
            WHEN NOT e.is_active OR NOT e.has_flow THEN NULL
            WHEN e.flow_slip_days >= rules.slip_red_days THEN 3
            -- no date, items left, a baseline end within the horizon: the backlog would take
            -- longer than the horizon, or the team finished nothing in the whole window
            -- (judged once the project is older than the window: a new one is not yet)
            WHEN e.flow_forecast_date IS NULL AND e.flow_remaining_items > 0
                AND e.baseline_end_date <= e.as_of_date + CAST(rules.flow_horizon_days AS INTEGER)
                AND e.start_date <= e.as_of_date - CAST(rules.flow_window_days AS INTEGER)
                THEN 3
            WHEN e.flow_slip_days >= rules.slip_amber_days THEN 2
            -- more added than done in the window, by a project older than the window (a new
            -- one's backlog is being written): the date holds only if nothing more comes
            WHEN e.flow_remaining_items > 0 AND e.flow_created_in_window > e.flow_done_in_window
                AND e.start_date <= e.as_of_date - CAST(rules.flow_window_days AS INTEGER) THEN 2
            WHEN e.flow_slip_days IS NOT NULL THEN 1
        END AS flow_severity,
        rules.cpi_red_below,
        rules.cpi_amber_below,
        rules.spi_red_below,
        rules.spi_amber_below,
        rules.overdue_risk_score,
        rules.rag_percentile,
        rules.slip_amber_days
    FROM estimates AS e
    CROSS JOIN rules
),

judged AS (
    SELECT
        *,
        eac_pick.value AS eac,
        eac_pick.basis AS eac_basis,
        -- without CPI and SPI nothing says the project is fine: it may be Amber or Red by
        -- the other rules, never Green
        -- (an agile forecast is such evidence: flow_severity)
        CASE
            WHEN cpi_severity IS NULL AND spi_severity IS NULL AND flow_severity IS NULL
                AND greatest(end_severity, milestone_severity, risk_severity) = 1 THEN NULL
            ELSE greatest(
                cpi_severity, spi_severity, end_severity, milestone_severity, risk_severity, flow_severity
            )
        END AS computed_severity
    FROM chosen
)

SELECT
    week_date,
    project_id,
    project_name,
    portfolio,
    programme,
    sponsor,
    project_manager,
    stage,
    is_active,
    as_of_date,
    weeks_stale,
    start_date,
    baseline_end_date,
    forecast_end_date,
    actual_end_date,
    bac,
    pv,
    ev,
    ac,
    cv,
    sv,
    cpi,
    spi,
    eac_cpi,
    eac_atypical,
    eac_cpi_spi,
    eac_pm,
    eac,
    eac_basis,
    eac - ac AS etc,
    bac - eac AS vac,
    CASE WHEN bac <> ac THEN (bac - ev) / (bac - ac) END AS tcpi_bac,
    CASE WHEN eac <> ac THEN (bac - ev) / (eac - ac) END AS tcpi_eac,
    pv_source,
    ev_source,
    forecast_slip_days,
    key_milestone_name,
    key_milestone_slip_days,
    overdue_risk_count,
    delivery_method,
    flow_forecast_date,
    flow_slip_days,
    flow_remaining_items,
    flow_note,
    rag_overall AS rag_declared,
    rag_schedule,
    rag_cost,
    rag_scope,
    rag_resources,
    CASE computed_severity WHEN 3 THEN 'Red' WHEN 2 THEN 'Amber' WHEN 1 THEN 'Green' END
        AS rag_computed,
    CASE
        WHEN NOT is_active THEN 'not judged: stage ' || stage
        WHEN computed_severity IS NULL AND delivery_method = 'Agile' THEN
            'not judged: no CPI or SPI (see evm_notes) and no work-item forecast'
            || coalesce(' (' || flow_note || ')', '')
        WHEN computed_severity IS NULL THEN 'not judged: no CPI or SPI (see evm_notes)'
        ELSE array_to_string(list_filter([
            CASE WHEN cpi_severity >= 2 THEN printf(
                CASE WHEN round(cpi, 2) < CASE cpi_severity WHEN 3 THEN cpi_red_below ELSE cpi_amber_below END
                    THEN 'CPI %.2f below %.2f' ELSE 'CPI %.4f below %.2f' END,
                cpi, CASE cpi_severity WHEN 3 THEN cpi_red_below ELSE cpi_amber_below END) END,
            CASE WHEN spi_severity >= 2 THEN printf(
                CASE WHEN round(spi, 2) < CASE spi_severity WHEN 3 THEN spi_red_below ELSE spi_amber_below END
                    THEN 'SPI %.2f below %.2f' ELSE 'SPI %.4f below %.2f' END,
                spi, CASE spi_severity WHEN 3 THEN spi_red_below ELSE spi_amber_below END) END,
            CASE WHEN end_severity >= 2 THEN printf('forecast end %d days beyond baseline',
                forecast_slip_days) END,
            CASE WHEN milestone_severity >= 2 THEN printf(
                'key milestone ''%s'' %d days late against baseline',
                key_milestone_name, key_milestone_slip_days) END,
            CASE WHEN risk_severity >= 2 AND overdue_risk_count = 1 THEN printf(
                '1 open risk scoring %d or more past its due date', overdue_risk_score) END,
            CASE WHEN risk_severity >= 2 AND overdue_risk_count > 1 THEN printf(
                '%d open risks scoring %d or more past their due date',
                overdue_risk_count, overdue_risk_score) END,
            CASE WHEN flow_severity >= 2 THEN
                CASE
                    WHEN flow_slip_days >= slip_amber_days THEN printf(
                        'work items: %d%% forecast date %s is %d days beyond baseline end (%s)',
                        rag_percentile, strftime(flow_forecast_date, '%d %b %Y'), flow_slip_days, flow_note)
                    WHEN flow_forecast_date IS NULL THEN printf(
                        'work items: no %d%% forecast date (%s)', rag_percentile, flow_note)
                    ELSE 'work items: ' || flow_note  -- a growing backlog
                END
            END
        ], lambda x: x IS NOT NULL), '; ')
    END AS rag_reasons,
    array_to_string(list_filter([
        CASE WHEN pv IS NULL THEN 'PV blank: no financials, planned value or start/baseline end dates' END,
        CASE WHEN ev IS NULL THEN 'EV blank: no earned value or percent complete' END,
        CASE WHEN ac IS NULL THEN 'AC blank: no actual cost' END,
        CASE WHEN ac = 0 THEN 'CPI blank: AC is 0' END,
        CASE WHEN pv = 0 THEN 'SPI blank: PV is 0 (nothing planned by the status date)' END,
        CASE WHEN eac IS NULL THEN 'EAC blank: no PM forecast and no CPI' END,
        CASE WHEN bac = ac THEN 'TCPI to BAC blank: the budget is spent (BAC = AC)' END,
        CASE WHEN eac = ac THEN 'TCPI to EAC blank: EAC equals AC' END
    ], lambda x: x IS NOT NULL), '; ') AS evm_notes,
    coalesce(rag_overall = 'Green' AND computed_severity = 3, false) AS is_watermelon,
    status_summary
FROM judged;
