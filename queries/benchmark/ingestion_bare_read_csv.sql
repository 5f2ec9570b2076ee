-- grain: none (DDL): the benchmark baseline, DuckDB's bare read of a CSV into a table t
-- params: $path (the CSV file the full ingestion path reads too)
CREATE TABLE t AS SELECT * FROM read_csv($path)
