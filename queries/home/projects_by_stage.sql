-- grain: one row per stage (contract order) and declared overall RAG, as of $as_of
-- params: $as_of, $portfolios (list; empty = all), $programmes (list; empty = all)
WITH projects AS (
    SELECT * FROM projects_as_of(CAST($as_of AS DATE))
    WHERE epmo_in_scope(portfolio, programme, $portfolios, $programmes)
),

stages AS (
    SELECT value AS stage, ordinal AS stage_order
    FROM enum_order
    WHERE table_name = 'projects' AND column_name = 'stage'
)

SELECT s.stage, s.stage_order, p.rag_overall, count(p.project_id) AS project_count,
       coalesce(sum(p.budget_bac), 0) AS total_bac
FROM stages AS s
LEFT JOIN projects AS p USING (stage)
GROUP BY ALL
ORDER BY s.stage_order, p.rag_overall
