-- grain: marks the weeks $weeks as prepared in health_memo (one row per week)
-- params: $weeks
INSERT INTO health_memo_weeks
SELECT unnest(CAST($weeks AS DATE []))
