-- check: each saved document version (kind, name, saved_at) is stored once
-- grain: one row per repeated document version
-- source: raw_documents
SELECT
    kind,
    name,
    saved_at,
    count(*) AS times,
    'saved ' || kind || ' ' || name || ' of ' || strftime(saved_at, '%Y-%m-%d %H:%M:%S') || ' stored '
    || count(*) || ' times' AS problem
FROM raw_documents
GROUP BY kind, name, saved_at
HAVING count(*) > 1
ORDER BY kind, name, saved_at
