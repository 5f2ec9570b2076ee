-- grain: one row per project whose health moved most between $previous and $as_of, in
-- scope, at most $limit rows: computed RAG change first (worse or better; into or out of
-- judgement is not a RAG move), then the
-- absolute change in EAC, then in forecast end slip
-- params: $as_of, $previous, $portfolios, $programmes, $limit
-- needs: health
WITH weeks AS (
    SELECT *
    FROM project_health_weeks([CAST($as_of AS DATE), CAST($previous AS DATE)])
    WHERE epmo_in_scope(portfolio, programme, $portfolios, $programmes)
),

after AS (
    SELECT * FROM weeks WHERE week_date = CAST($as_of AS DATE)
),

before AS (
    SELECT * FROM weeks WHERE week_date = CAST($previous AS DATE)
),

moves AS (
    SELECT
        a.project_id,
        a.project_name,
        a.portfolio,
        b.rag_computed AS rag_before,
        a.rag_computed AS rag_after,
        coalesce(b.rag_computed, 'not judged') || ' → ' || coalesce(a.rag_computed, 'not judged') AS rag_move,
        coalesce(
            (CASE a.rag_computed WHEN 'Red' THEN 3 WHEN 'Amber' THEN 2 WHEN 'Green' THEN 1 END)
            - (CASE b.rag_computed WHEN 'Red' THEN 3 WHEN 'Amber' THEN 2 WHEN 'Green' THEN 1 END),
            0
        ) AS rag_change,
        a.eac - b.eac AS eac_change,
        a.forecast_slip_days - b.forecast_slip_days AS slip_change_days,
        a.rag_reasons
    FROM after AS a
    JOIN before AS b USING (project_id)
)

SELECT *
FROM moves
WHERE rag_change <> 0 OR coalesce(eac_change, 0) <> 0 OR coalesce(slip_change_days, 0) <> 0
ORDER BY abs(rag_change) DESC, abs(coalesce(eac_change, 0)) DESC,
    abs(coalesce(slip_change_days, 0)) DESC, project_id
LIMIT $limit
