-- table: flow_facts_table
-- (the first of the group flow/facts_memo: flow_facts_table, flow_facts_memo)
-- grain: one row per counted work item (flow_items: not an epic or sub-task) in force as of
-- the week, with its flow measures and its project's name, portfolio and programme (as of
-- the same week), for the weeks this store connection has prepared
-- The Flow page's six queries all read these rows (flow_scoped_items): kept once per week,
-- already joined, each query reads one table instead of two memos and a join. Filled with
-- the week's flow_items memo (epmo.sql: memo/insert_flow_facts, in the same transaction);
-- a week that was not prepared is an error, never an empty result.
-- needs: flow_items
CREATE OR REPLACE TABLE flow_facts_table AS
SELECT
    CAST(NULL AS DATE) AS memo_as_of,
    CAST(NULL AS VARCHAR) AS project_name,
    CAST(NULL AS VARCHAR) AS portfolio,
    CAST(NULL AS VARCHAR) AS programme,
    *
FROM flow_items(DATE '1900-01-01') LIMIT 0;
