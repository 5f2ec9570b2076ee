-- view: portfolio_summary
-- grain: one row per portfolio (or programme, when $level = 'programme') as of $as_of, in
-- scope: sums of BAC, PV, EV, AC and EAC; CPI and SPI as ratios of sums (never averages
-- of ratios), over the projects where both inputs are present; counts by computed RAG
-- params: $as_of, $portfolios, $programmes, $level ('portfolio' or 'programme')
-- needs: health
WITH projects AS (
    SELECT
        *,
        CASE WHEN $level = 'programme' THEN coalesce(programme, '(no programme)') ELSE portfolio END
            AS group_name
    FROM project_health(CAST($as_of AS DATE))
    WHERE epmo_in_scope(portfolio, programme, $portfolios, $programmes)
)

SELECT
    group_name AS portfolio,
    count(*) AS project_count,
    sum(bac) AS bac,
    sum(pv) AS pv,
    sum(ev) AS ev,
    sum(ac) AS ac,
    epmo_ratio_of_sums(ev, ac) AS cpi,
    epmo_paired_sum(ev, ac) AS cpi_ev,
    epmo_paired_sum(ac, ev) AS cpi_ac,
    epmo_ratio_of_sums(ev, pv) AS spi,
    sum(eac) AS eac,
    count(*) FILTER (WHERE rag_computed = 'Red') AS red_count,
    count(*) FILTER (WHERE rag_computed = 'Amber') AS amber_count,
    count(*) FILTER (WHERE rag_computed = 'Green') AS green_count,
    count(*) FILTER (WHERE rag_computed IS NULL) AS not_judged_count,
    count(*) FILTER (WHERE is_watermelon) AS watermelon_count
FROM projects
GROUP BY group_name
ORDER BY group_name
