-- grain: one row per memo and week this connection has prepared (every memo at once: a
-- query that reads several memos checks them in one look)
SELECT memo, week_date
FROM memo_weeks
