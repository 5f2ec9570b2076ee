-- grain: one row per portfolio ever reported (what a grant may be limited to)
SELECT DISTINCT portfolio
FROM raw_projects
WHERE portfolio IS NOT NULL
ORDER BY portfolio
