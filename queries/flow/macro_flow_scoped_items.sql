-- macro: flow_scoped_items(as_of, by_level, only_scope, portfolios, programmes) -> table
-- grain: one row per counted work item (flow_items: not an epic or sub-task) as of the
-- week, with `scope` (flow_scope) and the project's name and portfolio; only the items of
-- `only_scope` when it is not '', of the projects in the sidebar's portfolios and
-- programmes (epmo_in_scope: empty lists = all).
-- Reads flow_items_memo and projects_as_of_memo: a query that uses it names both in its
-- text (its header comment), so epmo.sql prepares the week first.
CREATE OR REPLACE MACRO flow_scoped_items(as_of, by_level, only_scope, portfolios, programmes) AS TABLE
SELECT
    flow_scope(by_level, i.project_id, i.team, p.portfolio) AS scope,
    p.project_name,
    p.portfolio,
    p.programme,
    i.*
FROM flow_items_memo(as_of) AS i
LEFT JOIN projects_as_of_memo(as_of) AS p ON p.project_id = i.project_id
WHERE i.is_counted
    AND epmo_in_scope(p.portfolio, p.programme, portfolios, programmes)
    AND (coalesce(only_scope, '') = '' OR flow_scope(by_level, i.project_id, i.team, p.portfolio) = only_scope);
