-- grain: marks the weeks $weeks as prepared in the memo $memo (one row per week)
-- params: $memo, $weeks
INSERT INTO memo_weeks
SELECT $memo, unnest(CAST($weeks AS DATE []))
