-- grain: one row per saved document name of $kind, its latest version
-- params: $kind
SELECT name, version, saved_at, saved_by, as_of_date, spec
FROM saved_documents
WHERE kind = $kind AND is_latest
ORDER BY name
