-- view: flow_epic_remaining
-- grain: one row per epic (parent_key) of project $project_id as of $as_of with items under
-- it: how many are not done (what a per-epic forecast must finish) and the epic's title
-- params: $as_of, $project_id
WITH items AS (
    SELECT * FROM flow_items(CAST($as_of AS DATE)) WHERE project_id = $project_id
)

SELECT
    c.parent_key AS epic_key,
    any_value(e.title) AS epic_title,
    count(*) AS items,
    count(*) FILTER (WHERE c.status_category <> 'Done') AS remaining_items,
    any_value(c.as_of_date) AS as_of_date
FROM items AS c
LEFT JOIN items AS e ON e.item_key = c.parent_key
WHERE c.is_counted AND nullif(trim(c.parent_key), '') IS NOT NULL
GROUP BY c.parent_key
ORDER BY c.parent_key
