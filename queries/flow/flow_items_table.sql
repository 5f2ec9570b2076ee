-- table: flow_items_table
-- (the first of the group flow/items_memo: flow_items_table, flow_items_memo)
-- grain: as flow_items (one row per current work item of each project as of the week, with
-- its flow measures), for the weeks this store connection has prepared
-- flow_items(as_of) reads the whole stored history of work_items to keep the backlogs in
-- force on one week, and the Flow page runs several queries over the same week: each store
-- connection keeps the rows of every week asked for, computed once from the definition
-- (epmo.sql prepares the weeks a query binds: memo/insert_flow_items). A week that was not
-- prepared is an error, never an empty result.
-- needs: flow_items
CREATE OR REPLACE TABLE flow_items_table AS
SELECT CAST(NULL AS DATE) AS memo_as_of, * FROM flow_items(DATE '1900-01-01') LIMIT 0;
