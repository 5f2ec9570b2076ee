-- grain: one row per portfolio and programme present as of $as_of (for the sidebar filters)
-- params: $as_of
SELECT DISTINCT portfolio, programme
FROM projects_as_of(CAST($as_of AS DATE))
ORDER BY portfolio, programme
