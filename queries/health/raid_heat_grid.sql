-- grain: one row per probability (1-5) and impact (1-5) as of $as_of, in scope: how many
-- open risks score there (cells with none are present with 0)
-- params: $as_of, $portfolios, $programmes
-- The rows in force come from the per-connection memos of projects_as_of and raid_as_of
-- (the as-of row memos in views/), not from a scan of every week ever submitted.
-- needs: projects, raid
WITH projects AS (
    SELECT project_id
    FROM projects_as_of_memo(CAST($as_of AS DATE))
    WHERE epmo_in_scope(portfolio, programme, $portfolios, $programmes)
),

risks AS (
    SELECT r.probability, r.impact
    FROM raid_as_of_memo(CAST($as_of AS DATE)) AS r
    JOIN projects USING (project_id)
    WHERE r.raid_type = 'Risk' AND r.status = 'Open'
),

grid AS (
    SELECT p.probability, i.impact
    FROM range(1, 6) AS p (probability), range(1, 6) AS i (impact)
)

SELECT
    g.probability,
    g.impact,
    g.probability * g.impact AS risk_score,
    count(r.probability) AS risk_count
FROM grid AS g
LEFT JOIN risks AS r ON r.probability = g.probability AND r.impact = g.impact
GROUP BY ALL
ORDER BY g.probability, g.impact
