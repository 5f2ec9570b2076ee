-- grain: one row per week whose health this connection has computed into health_memo
-- params: (none)
SELECT week_date
FROM health_memo_weeks
ORDER BY week_date
