-- grain: one row per report date of a live upload: the dates a backlog's forecast can be
-- asked for (a week's backlog is the latest upload before it, carried to its date by a
-- confirmation), which the explorer computes when a query reads the agile forecasts
SELECT DISTINCT as_of_date
FROM accepted_uploads
WHERE NOT is_retracted
ORDER BY as_of_date
