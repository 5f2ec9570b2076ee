-- macro: epmo_date_plausible(d) -> BOOLEAN
-- TRUE when a date lies between 1990-01-01 and 2100-12-31 (outside: usually a typo in
-- the year). NULL for NULL. Used by queries/checks/date_out_of_range.sql and the
-- validation fast path alike.
CREATE OR REPLACE MACRO epmo_date_plausible(d) AS d BETWEEN DATE '1990-01-01' AND DATE '2100-12-31';
