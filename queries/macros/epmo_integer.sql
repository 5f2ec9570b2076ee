-- macro: epmo_integer(v, dec_comma) -> BIGINT
-- A whole number; 3.0 is accepted, 3.5 gives NULL.
CREATE OR REPLACE MACRO epmo_integer(v, dec_comma) AS
    epmo_whole(epmo_number(v, dec_comma));
