-- grain: one row per open dependency as of $as_of: project_id depends on
-- depends_on_project_id ("A depends on B": the RAID row of A of type Dependency whose
-- related_project_id is B, the project depended upon). Closed items no longer constrain.
-- params: $as_of
SELECT DISTINCT
    project_id,
    related_project_id AS depends_on_project_id,
    raid_id,
    title,
    need_by_date
FROM raid_as_of(CAST($as_of AS DATE))
WHERE raid_type = 'Dependency'
  AND status = 'Open'
  AND related_project_id IS NOT NULL
  AND related_project_id <> project_id
ORDER BY project_id, depends_on_project_id, raid_id
