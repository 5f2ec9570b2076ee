-- grain: one row per open RAID item as of $as_of, in scope (or of one project when
-- $project_id is not ''), highest probability x impact first: risk_score, is_overdue (due
-- date before the as-of week) and days_overdue
-- params: $as_of, $portfolios, $programmes, $project_id
-- The rows in force come from the per-connection memos of projects_as_of and raid_as_of
-- (the as-of row memos in views/), not from a scan of every week ever submitted.
-- needs: projects, raid
WITH projects AS (
    SELECT project_id, project_name, portfolio
    FROM projects_as_of_memo(CAST($as_of AS DATE))
    WHERE epmo_in_scope(portfolio, programme, $portfolios, $programmes)
      AND ($project_id = '' OR project_id = $project_id)
)

SELECT
    r.project_id,
    p.project_name,
    p.portfolio,
    r.raid_id,
    r.raid_type,
    r.title,
    r.probability,
    r.impact,
    r.probability * r.impact AS risk_score,
    r.owner,
    r.status,
    r.raised_date,
    r.due_date,
    coalesce(r.due_date < CAST($as_of AS DATE), false) AS is_overdue,
    greatest(date_diff('day', r.due_date, CAST($as_of AS DATE)), 0) AS days_overdue,
    r.related_project_id,
    r.need_by_date
FROM raid_as_of_memo(CAST($as_of AS DATE)) AS r
JOIN projects AS p USING (project_id)
WHERE r.status = 'Open' AND ($project_id = '' OR r.project_id = $project_id)
ORDER BY risk_score DESC NULLS LAST, is_overdue DESC, r.due_date, r.project_id, r.raid_id
