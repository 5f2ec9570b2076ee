-- grain: one row per open cross-project dependency as of $as_of where either project is in
-- scope: the dependent project, the project depended upon, the need-by date and a status:
-- 'late' (need-by date passed), 'at risk' (the other project's forecast end is after the
-- need-by date, or its computed RAG is Red), else 'on track'
-- params: $as_of, $portfolios, $programmes
-- The open RAID items come from the per-connection memo of raid_as_of (the as-of row memos in views/).
-- needs: health, raid
WITH health AS (
    SELECT project_id, project_name, portfolio, programme, forecast_end_date, rag_computed
    FROM project_health(CAST($as_of AS DATE))
),

dependencies AS (
    SELECT r.project_id, r.raid_id, r.title, r.related_project_id, r.need_by_date
    FROM raid_as_of_memo(CAST($as_of AS DATE)) AS r
    WHERE r.raid_type = 'Dependency' AND r.status = 'Open' AND r.related_project_id IS NOT NULL
)

SELECT
    d.project_id,
    a.project_name,
    a.portfolio,
    d.raid_id,
    d.title,
    d.related_project_id,
    b.project_name AS related_project_name,
    b.portfolio AS related_portfolio,
    d.need_by_date,
    b.forecast_end_date AS related_forecast_end_date,
    b.rag_computed AS related_rag_computed,
    CASE
        WHEN d.need_by_date < CAST($as_of AS DATE) THEN 'late'
        WHEN b.forecast_end_date > d.need_by_date OR b.rag_computed = 'Red' THEN 'at risk'
        WHEN b.project_id IS NULL THEN 'at risk'
        ELSE 'on track'
    END AS dependency_status,
    CASE
        WHEN d.need_by_date < CAST($as_of AS DATE)
            THEN printf('needed by %s, still open', strftime(d.need_by_date, '%d %b %Y'))
        WHEN b.project_id IS NULL THEN 'the project depended upon is not in the portfolio'
        WHEN b.forecast_end_date > d.need_by_date
            THEN printf('%s forecasts its end %d days after the need-by date',
                d.related_project_id, date_diff('day', d.need_by_date, b.forecast_end_date))
        WHEN b.rag_computed = 'Red' THEN printf('%s is Red by the rules', d.related_project_id)
        ELSE ''
    END AS status_reason
FROM dependencies AS d
LEFT JOIN health AS a USING (project_id)
LEFT JOIN health AS b ON b.project_id = d.related_project_id
WHERE epmo_in_scope(a.portfolio, a.programme, $portfolios, $programmes)
   OR epmo_in_scope(b.portfolio, b.programme, $portfolios, $programmes)
ORDER BY
    CASE dependency_status WHEN 'late' THEN 0 WHEN 'at risk' THEN 1 ELSE 2 END,
    d.need_by_date,
    d.project_id
