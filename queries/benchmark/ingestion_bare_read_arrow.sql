-- grain: none (DDL): the XLSX baseline's second half, the workbook's cells (already read
-- by python-calamine into the Arrow table `sheet`) copied into a DuckDB table t
CREATE TABLE t AS SELECT * FROM sheet
