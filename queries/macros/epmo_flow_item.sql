-- macro: epmo_flow_item(item_type) -> BOOLEAN
-- The one definition of an item of flow (every flow measure, the forecasts, docs/flow.md):
-- an epic is a container and a sub-task a part, neither an item of flow. Jira names them in
-- the language of its users, and an export from a German or French Jira counted its
-- sub-tasks (Unteraufgabe, Sous-tâche) as items: 51 items and 30 done where there were 47
-- and 26. Case, spaces and hyphens aside.
CREATE OR REPLACE MACRO epmo_flow_item(item_type) AS
    regexp_replace(lower(coalesce(item_type, '')), '[\s_-]+', '', 'g') NOT IN (
        'epic', 'epos', 'épica', 'epica', 'épico', 'epico',  -- en, de, fr, es, pt, it
        'subtask', 'unteraufgabe', 'teilaufgabe', 'soustâche', 'soustache', 'subtarea',
        'subtarefa', 'sottotask', 'sottoattività', 'subtaak', 'deeltaak'
    );
