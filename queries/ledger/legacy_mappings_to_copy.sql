-- grain: one row per saved mapping version in a legacy mappings/ table (its Parquet $files)
-- that is not yet in the documents table (same name and saved_at)
-- params: $files
SELECT m.name, m.saved_at, m.saved_by, m.spec
FROM read_parquet($files) AS m
WHERE NOT EXISTS (
    SELECT 1
    FROM raw_documents AS d
    WHERE d.kind = 'mapping' AND d.name = m.name AND d.saved_at = m.saved_at
)
ORDER BY m.saved_at
