-- grain: one row: how many rows a raw store table holds (repeats included)
-- params: $raw_table (raw_<table>, from the store's allow-list of tables)
SELECT count(*) AS row_count FROM query_table($raw_table)
