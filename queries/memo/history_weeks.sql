-- grain: one row per week a project's history shows as of $as_of (views/history_weeks.sql)
-- params: $as_of
SELECT unnest(history_weeks(CAST($as_of AS DATE))) AS week_date
