-- grain: one row per saved version of the document $kind/$name, newest first
-- params: $kind, $name
SELECT name, version, saved_at, saved_by, as_of_date, spec
FROM saved_documents
WHERE kind = $kind AND name = $name
ORDER BY version DESC
