-- grain: inserts the work items in force as of $as_of, with their flow measures
-- (flow_items), into flow_items_table
-- params: $as_of
INSERT INTO flow_items_table
SELECT CAST($as_of AS DATE), * FROM flow_items(CAST($as_of AS DATE))
