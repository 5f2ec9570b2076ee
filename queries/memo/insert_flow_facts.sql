-- grain: inserts the counted work items in force as of $as_of, with their project's name,
-- portfolio and programme, into flow_facts_table (flow/facts_memo.sql)
-- params: $as_of
-- Run by epmo.sql right after the week's items are in flow_items_table (same transaction);
-- the projects are those in force on the same week (projects_as_of), in project order.
INSERT INTO flow_facts_table
SELECT CAST($as_of AS DATE), p.project_name, p.portfolio, p.programme, i.*
FROM flow_items_memo(CAST($as_of AS DATE)) AS i
LEFT JOIN projects_as_of(CAST($as_of AS DATE)) AS p ON p.project_id = i.project_id
WHERE i.is_counted
ORDER BY i.project_id, i.item_key
