-- grain: one row per candidate project as of $as_of: the projects that may be ranked and
-- selected (stage not in $excluded_stages, e.g. Closed and Cancelled), with every numeric
-- prioritisation input of the contract and both cost bases of the selection.
-- params: $as_of, $portfolios (list; empty = all), $programmes (list; empty = all),
-- $excluded_stages (list), $current_stages (list: stages of work in flight)
-- metrics: remaining_cost = max(EAC - actual_cost, 0) where EAC is the health EAC (the one
-- defined in views/project_health_compute.sql: health.primary_eac with its fallbacks), or
-- budget_bac when that is blank; eac_source says which (pm, cpi, atypical, cpi_spi or
-- budget_bac).
-- (projects_as_of, kept per connection and week: the as-of row memos in views/)
-- needs: health, projects
WITH projects AS (
    SELECT * FROM projects_as_of_memo(CAST($as_of AS DATE))
    WHERE epmo_in_scope(portfolio, programme, $portfolios, $programmes)
      AND NOT list_contains($excluded_stages, stage)
),

estimates AS (
    SELECT project_id, eac, eac_basis FROM project_health(CAST($as_of AS DATE))
),

stages AS (
    SELECT value AS stage, ordinal AS stage_order
    FROM enum_order
    WHERE table_name = 'projects' AND column_name = 'stage'
)

SELECT
    p.project_id,
    p.project_name,
    p.portfolio,
    p.programme,
    p.stage,
    s.stage_order,
    list_contains($current_stages, p.stage) AS is_current,
    coalesce(p.is_mandatory, FALSE) AS is_mandatory,
    p.budget_bac,
    p.actual_cost,
    p.planned_value,
    p.earned_value,
    p.percent_complete,
    p.forecast_eac,
    p.strategic_alignment,
    p.business_value,
    p.time_criticality,
    p.risk_reduction,
    p.job_size,
    p.reach,
    p.impact,
    p.confidence,
    p.effort_person_months,
    greatest(coalesce(e.eac, p.budget_bac) - coalesce(p.actual_cost, 0), 0) AS remaining_cost,
    coalesce(e.eac_basis, 'budget_bac') AS eac_source,
    p.as_of_date,
    p.weeks_stale
FROM projects AS p
LEFT JOIN estimates AS e USING (project_id)
LEFT JOIN stages AS s USING (stage)
ORDER BY epmo_natural_key(p.project_id)
