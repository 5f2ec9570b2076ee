-- macro: epmo_enum(v, tbl, col) -> VARCHAR
-- The contract's spelling of an allowed value ("r", "RED", "red " -> "Red"); NULL when the
-- value is not allowed. Reads enum_maps, built from the contract (one map per column).
CREATE OR REPLACE MACRO epmo_enum(v, tbl, col) AS
    map_extract_value(
        (SELECT m.spellings FROM enum_maps AS m WHERE m.table_name = tbl AND m.column_name = col),
        epmo_key(v)
    );
