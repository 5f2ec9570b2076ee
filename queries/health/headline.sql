-- grain: one row per week in ($as_of, $previous): the portfolio in numbers, in scope
-- params: $as_of, $previous, $portfolios, $programmes
-- metrics: project_count, expected_count (expected to report: macros/epmo_expected_to_report),
-- reporting_count (of those, reported for that very week), stale_count (of those, missing:
-- the same count as Data quality's "missing"), not_expected_count (Closed and other inactive
-- stages, which rightly stopped reporting), not_judged_count (no computed RAG),
-- total_bac, total_ac, total_eac, cpi and spi (ratios of sums), declared and computed
-- RAG counts, watermelon_count
-- needs: health
WITH projects AS (
    SELECT *
    FROM project_health_weeks([CAST($as_of AS DATE), CAST($previous AS DATE)])
    WHERE epmo_in_scope(portfolio, programme, $portfolios, $programmes)
),

weeks AS (
    SELECT CAST($as_of AS DATE) AS week_date UNION ALL SELECT CAST($previous AS DATE)
)

SELECT
    w.week_date,
    count(p.project_id) AS project_count,
    count(p.project_id) FILTER (WHERE p.is_active) AS expected_count,
    count(p.project_id) FILTER (WHERE p.is_active AND p.weeks_stale = 0) AS reporting_count,
    count(p.project_id) FILTER (WHERE p.is_active AND p.weeks_stale >= 1) AS stale_count,
    count(p.project_id) FILTER (WHERE NOT p.is_active) AS not_expected_count,
    coalesce(sum(p.bac), 0) AS total_bac,
    coalesce(sum(p.ac), 0) AS total_ac,
    coalesce(sum(p.eac), 0) AS total_eac,
    epmo_ratio_of_sums(p.ev, p.ac) AS cpi,
    epmo_paired_sum(p.ev, p.ac) AS cpi_ev,
    epmo_paired_sum(p.ac, p.ev) AS cpi_ac,
    epmo_ratio_of_sums(p.ev, p.pv) AS spi,
    count(p.project_id) FILTER (WHERE p.rag_declared = 'Red') AS declared_red_count,
    count(p.project_id) FILTER (WHERE p.rag_declared = 'Amber') AS declared_amber_count,
    count(p.project_id) FILTER (WHERE p.rag_declared = 'Green') AS declared_green_count,
    count(p.project_id) FILTER (WHERE p.rag_computed = 'Red') AS computed_red_count,
    count(p.project_id) FILTER (WHERE p.rag_computed = 'Amber') AS computed_amber_count,
    count(p.project_id) FILTER (WHERE p.rag_computed = 'Green') AS computed_green_count,
    count(p.project_id) FILTER (WHERE p.rag_computed IS NULL) AS not_judged_count,
    count(p.project_id) FILTER (WHERE p.rag_computed IS NULL AND NOT p.is_active) AS not_judged_stage_count,
    count(p.project_id) FILTER (WHERE p.is_watermelon) AS watermelon_count
FROM weeks AS w
LEFT JOIN projects AS p USING (week_date)
GROUP BY w.week_date
ORDER BY w.week_date DESC
