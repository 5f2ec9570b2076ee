-- view: project_health
-- grain: one row per project in the portfolio as of $as_of, in scope: earned value, the
-- four EACs, rule-computed RAG beside the declared one, with reasons (metrics defined in
-- views/project_health_compute.sql, documented in docs/metrics.md)
-- params: $as_of, $portfolios (list; empty = all), $programmes (list; empty = all)
-- needs: health
SELECT
    project_id, project_name, portfolio, programme, stage, as_of_date, weeks_stale,
    bac, pv, ev, ac, cv, sv, cpi, spi, eac_cpi, eac_atypical, eac_cpi_spi, eac_pm,
    etc, vac, tcpi_bac, tcpi_eac, forecast_slip_days, rag_declared, rag_computed, rag_reasons,
    eac, eac_basis, pv_source, ev_source, evm_notes, is_watermelon, is_active,
    key_milestone_name, key_milestone_slip_days, overdue_risk_count,
    project_manager, sponsor, start_date, baseline_end_date, forecast_end_date, actual_end_date,
    rag_schedule, rag_cost, rag_scope, rag_resources,
    delivery_method, flow_forecast_date, flow_slip_days, flow_remaining_items, flow_note
FROM project_health(CAST($as_of AS DATE))
WHERE epmo_in_scope(portfolio, programme, $portfolios, $programmes)
ORDER BY epmo_natural_key(project_id)
