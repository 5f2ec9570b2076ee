-- grain: one row: the latest commit stamp in the snapshot (ledger events and saved
-- documents); a frozen deck reads only what was committed at or before it
-- params: (none)
WITH ledger AS (
    SELECT max(event_at) AS last_at FROM raw_uploads
),

documents AS (
    SELECT max(saved_at) AS last_at FROM raw_documents
)

SELECT greatest(ledger.last_at, documents.last_at) AS cutoff_at
FROM ledger, documents
