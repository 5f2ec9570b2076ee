-- view: saved_documents
-- grain: one row per saved version of a named document (kind, name, version); version 1 is
-- the first save, is_latest marks the version in force. Nothing is ever overwritten.
CREATE OR REPLACE VIEW saved_documents AS
SELECT
    kind,
    name,
    CAST(row_number() OVER (PARTITION BY kind, name ORDER BY saved_at) AS INTEGER) AS version,
    saved_at,
    saved_by,
    as_of_date,
    spec,
    saved_at = max(saved_at) OVER (PARTITION BY kind, name) AS is_latest
FROM raw_documents;
