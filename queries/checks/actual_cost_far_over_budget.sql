-- rule: actual_cost_far_over_budget
-- severity: warning
-- params: $ratio (settings ingest.actual_cost_over_budget_ratio)
-- grain: one row per project whose actual cost exceeds ratio x budget_bac
SELECT 'projects' AS table_name, _file, _sheet, _row, 'actual_cost' AS column_name,
       CAST(actual_cost AS VARCHAR) AS value,
       'Actual cost is ' || CAST(round(actual_cost / budget_bac, 1) AS VARCHAR)
       || ' times the budget (' || CAST(budget_bac AS VARCHAR) || '). Check both for a typo '
       || '(an extra zero, or thousands vs units).' AS message
FROM typed_projects
WHERE budget_bac > 0 AND actual_cost > $ratio * budget_bac
