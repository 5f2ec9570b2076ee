-- grain: one row per as-of date that has at least one live upload, newest first
SELECT as_of_date, count(*) AS upload_count
FROM accepted_uploads
WHERE NOT is_retracted
GROUP BY as_of_date
ORDER BY as_of_date DESC
