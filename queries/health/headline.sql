-- grain: one row per week in ($as_of, $previous): the portfolio in numbers, in scope
-- params: $as_of, $previous, $portfolios, $programmes
-- metrics: project_count, reporting_count (reported for that very week), stale_count,
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
    count(p.project_id) FILTER (WHERE p.weeks_stale = 0) AS reporting_count,
    count(p.project_id) FILTER (WHERE p.weeks_stale >= 1) AS stale_count,
    coalesce(sum(p.bac), 0) AS total_bac,
    coalesce(sum(p.ac), 0) AS total_ac,
    coalesce(sum(p.eac), 0) AS total_eac,
    sum(p.ev) FILTER (WHERE p.ev IS NOT NULL AND p.ac IS NOT NULL)
        / nullif(sum(p.ac) FILTER (WHERE p.ev IS NOT NULL AND p.ac IS NOT NULL), 0) AS cpi,
    sum(p.ev) FILTER (WHERE p.ev IS NOT NULL AND p.pv IS NOT NULL)
        / nullif(sum(p.pv) FILTER (WHERE p.ev IS NOT NULL AND p.pv IS NOT NULL), 0) AS spi,
    count(p.project_id) FILTER (WHERE p.rag_declared = 'Red') AS declared_red_count,
    count(p.project_id) FILTER (WHERE p.rag_declared = 'Amber') AS declared_amber_count,
    count(p.project_id) FILTER (WHERE p.rag_declared = 'Green') AS declared_green_count,
    count(p.project_id) FILTER (WHERE p.rag_computed = 'Red') AS computed_red_count,
    count(p.project_id) FILTER (WHERE p.rag_computed = 'Amber') AS computed_amber_count,
    count(p.project_id) FILTER (WHERE p.rag_computed = 'Green') AS computed_green_count,
    count(p.project_id) FILTER (WHERE p.is_watermelon) AS watermelon_count
FROM weeks AS w
LEFT JOIN projects AS p USING (week_date)
GROUP BY w.week_date
ORDER BY w.week_date DESC
