-- view: flow_forecasts
-- grain: one row per project in scope as of $as_of with a work-item backlog: its Monte Carlo
-- forecast (flow_forecast_memo, computed with the week's health: project_health) beside its
-- baseline end and the computed RAG that forecast feeds
-- params: $as_of, $portfolios, $programmes (lists; empty = all)
-- metrics: p50_date, p85_date, p95_date (the nearest-rank finish dates of the runs),
-- flow_slip_days (the [flow] rag_percentile date - baseline end), rag_computed;
-- is_active: expected to report (macros/epmo_expected_to_report), so judged
-- needs: health
-- the columns a reader acts on first (the dates and the RAG), then where the project sits
SELECT
    h.project_id,
    h.project_name,
    h.rag_computed,
    f.p50_date,
    f.p85_date,
    f.p95_date,
    h.baseline_end_date,
    h.flow_slip_days,
    f.remaining_items,
    f.done_in_window,
    h.rag_reasons,
    f.as_of_date AS backlog_date,
    h.portfolio,
    h.programme,
    h.delivery_method,
    h.stage,
    epmo_expected_to_report(h.stage) AS is_active,
    f.forecast_note,
    -- items left and no date at the [flow] rag_percentile (the RAG's): no forecast date
    f.rag_date IS NULL AND f.remaining_items > 0 AS is_dateless
FROM project_health(CAST($as_of AS DATE)) AS h
JOIN current_submissions(CAST($as_of AS DATE)) AS c
    ON c.table_name = 'work_items' AND c.entity_key = h.project_id
JOIN flow_forecast_memo AS f
    ON f.upload_id = c.upload_id AND f.project_id = h.project_id AND f.as_of_date = c.as_of_date
WHERE epmo_in_scope(h.portfolio, h.programme, $portfolios, $programmes)
-- furthest behind first: a backlog with items left and no date (Red when judged) before any date
ORDER BY f.remaining_items > 0 AND f.rag_date IS NULL DESC, h.flow_slip_days DESC NULLS LAST, h.project_id
