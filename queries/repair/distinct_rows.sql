-- grain: one row per distinct row of a raw store table (what `python -m epmo repair` rewrites a damaged data table to)
-- params: $raw_table (raw_<table>, from the store's allow-list of tables)
SELECT DISTINCT * FROM query_table($raw_table)
