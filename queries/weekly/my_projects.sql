-- view: my_projects
-- grain: one row per project in the portfolio as of $as_of whose project manager is
-- $manager (compared without case; the manager now, as views/project_owners defines it: an
-- admin's reassignment, else the latest report's): what the EPMO sees for it this week, the computed RAG
-- beside the declared one with the reasons, whether it is expected to report (is_active:
-- macros/epmo_expected_to_report, the one definition Home and Data quality use) and whether
-- it reported for the week, by an upload or a confirmation
-- params: $as_of, $manager
-- needs: health
WITH mine AS (
    SELECT p.project_id, o.project_manager
    FROM projects_as_of(CAST($as_of AS DATE)) AS p
    JOIN project_owners AS o USING (project_id)
    WHERE o.manager_email = lower(trim($manager))
),

in_force AS (
    SELECT entity_key AS project_id, is_confirmation
    FROM current_submissions(CAST($as_of AS DATE))
    WHERE table_name = 'projects'
)

SELECT
    h.project_id, h.project_name, mine.project_manager, h.portfolio, h.stage, h.as_of_date, h.weeks_stale,
    h.weeks_stale = 0 AS reported_this_week,
    epmo_expected_to_report(h.stage) AS is_active,
    coalesce(f.is_confirmation, false) AS confirmed_unchanged,
    h.rag_declared, h.rag_computed, h.rag_reasons, h.is_watermelon,
    h.cpi, h.spi, h.bac, h.eac, h.forecast_slip_days, h.key_milestone_name,
    h.key_milestone_slip_days, h.overdue_risk_count, h.evm_notes
FROM project_health(CAST($as_of AS DATE)) AS h
JOIN mine USING (project_id)
LEFT JOIN in_force AS f USING (project_id)
ORDER BY h.project_id
