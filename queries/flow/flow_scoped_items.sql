-- macro: flow_scoped_items(as_of, by_level, only_scope, portfolios, programmes)
-- grain: one row per counted work item (flow_items: not an epic or sub-task) as of the
-- week, with `scope` (flow_scope) and the project's name and portfolio; only the items of
-- `only_scope` when it is not '', of the projects in the sidebar's portfolios and
-- programmes (epmo_in_scope: empty lists = all).
-- Reads flow_facts_memo (the week's counted items, already joined to their projects): a
-- query that uses it names flow_items_memo in its text (its header comment), so epmo.sql
-- prepares the week first.
-- needs: flow_items
CREATE OR REPLACE MACRO flow_scoped_items(as_of, by_level, only_scope, portfolios, programmes) AS TABLE
SELECT flow_scope(by_level, i.project_id, i.team, i.portfolio) AS scope, i.*
FROM flow_facts_memo(as_of) AS i
WHERE epmo_in_scope(i.portfolio, i.programme, portfolios, programmes)
    AND (coalesce(only_scope, '') = '' OR flow_scope(by_level, i.project_id, i.team, i.portfolio) = only_scope);
