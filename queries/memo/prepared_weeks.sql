-- grain: one row per week the memo $memo (health, demand, supply) holds on this connection
-- params: $memo
SELECT week_date
FROM memo_weeks
WHERE memo = $memo
ORDER BY week_date
