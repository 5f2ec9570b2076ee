-- grain: one row per project in the portfolio as of $as_of (any stage), for generating
-- benchmark uploads that reference projects the store knows
-- params: $as_of
SELECT project_id
FROM projects_as_of(CAST($as_of AS DATE))
ORDER BY project_id
