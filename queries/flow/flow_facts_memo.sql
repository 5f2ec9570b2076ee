-- macro: flow_facts_memo(as_of)
-- needs: flow_items
-- Part of the group that flow/flow_facts_table.sql describes.
CREATE OR REPLACE MACRO flow_facts_memo(as_of) AS TABLE
SELECT * EXCLUDE (memo_as_of)
FROM flow_facts_table
WHERE memo_as_of = CAST(as_of AS DATE) AND memo_week_guard('flow_items', as_of, 'flow_items(as_of)');
