-- view: decisions
-- grain: one row per steering decision (the latest version of each; earlier versions stay
-- in saved_documents), decided on or before $as_of, affecting $project_id when it is not ''
-- params: $as_of, $project_id
WITH saved AS (
    SELECT name, version, saved_at, saved_by, spec
    FROM saved_documents
    WHERE kind = 'decision' AND is_latest
),

decisions AS (
    SELECT
        name AS decision_id,
        CAST(spec ->> 'decision_date' AS DATE) AS decision_date,
        spec ->> 'decision' AS decision,
        spec ->> 'rationale' AS rationale,
        CAST(json_extract(spec, '$.project_ids') AS VARCHAR []) AS project_ids,
        spec ->> 'owner' AS owner,
        CAST(spec ->> 'due_date' AS DATE) AS due_date,
        spec ->> 'status' AS status,
        CAST(spec -> 'based_on' ->> 'as_of' AS DATE) AS based_on_as_of_date,
        CAST(spec -> 'based_on' ->> 'cutoff_at' AS TIMESTAMPTZ) AS based_on_data_at,
        spec -> 'based_on' ->> 'snapshot_key' AS based_on_snapshot,
        version,
        saved_at,
        saved_by
    FROM saved
)

SELECT
    decision_id,
    decision_date,
    decision,
    rationale,
    array_to_string(project_ids, ', ') AS projects_affected,
    owner,
    due_date,
    status,
    based_on_as_of_date,
    based_on_data_at,
    based_on_snapshot,
    version,
    saved_at,
    saved_by
FROM decisions
WHERE decision_date <= CAST($as_of AS DATE)
    AND ($project_id = '' OR list_contains(project_ids, $project_id))
ORDER BY decision_date DESC, saved_at DESC
