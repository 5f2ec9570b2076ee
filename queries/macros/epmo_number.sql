-- macro: epmo_number(v, dec_comma) -> DOUBLE
-- Parses a number as people type it: currency signs, %, spaces and thousands separators are
-- ignored; dec_comma says whether "," is the decimal separator (semicolon CSVs). Anything
-- else (including "1,5" when the separator is ".", or inf/nan) gives NULL, never a guess.
CREATE OR REPLACE MACRO epmo_number(v, dec_comma) AS
    epmo_number_clean(regexp_replace(trim(v), '[\s\x{00A0}$€£%]', '', 'g'), dec_comma);
