-- grain: one row per group (portfolio, or programme when $level = 'programme'), RAG
-- dimension and RAG value as of $as_of, in scope: how many projects
-- params: $as_of, $portfolios, $programmes, $level
-- needs: health
WITH projects AS (
    SELECT
        CASE WHEN $level = 'programme' THEN coalesce(programme, '(no programme)') ELSE portfolio END
            AS group_name,
        rag_computed AS "Computed",
        rag_declared AS "Overall",
        rag_schedule AS "Schedule",
        rag_cost AS "Cost",
        rag_scope AS "Scope",
        rag_resources AS "Resources"
    FROM project_health(CAST($as_of AS DATE))
    WHERE epmo_in_scope(portfolio, programme, $portfolios, $programmes)
),

long AS (
    UNPIVOT projects
    ON "Computed", "Overall", "Schedule", "Cost", "Scope", "Resources"
    INTO NAME dimension VALUE rag
)

SELECT
    group_name,
    dimension,
    CASE dimension
        WHEN 'Computed' THEN 0 WHEN 'Overall' THEN 1 WHEN 'Schedule' THEN 2
        WHEN 'Cost' THEN 3 WHEN 'Scope' THEN 4 ELSE 5
    END AS dimension_order,
    rag,
    count(*) AS project_count
FROM long
GROUP BY ALL
ORDER BY group_name, dimension_order, rag
