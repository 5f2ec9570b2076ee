-- grain: one row: how many rows differ between two registered relations of the same columns,
-- stored_rows (an upload's rows as stored) and sent_rows (the rows a new upload would
-- store), each row counted as often as it occurs
SELECT
    (SELECT count(*) FROM (FROM stored_rows EXCEPT ALL FROM sent_rows))
    + (SELECT count(*) FROM (FROM sent_rows EXCEPT ALL FROM stored_rows)) AS differing_rows
