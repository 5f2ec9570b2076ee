-- macro: epmo_number(v, dec_comma) -> DOUBLE
-- Parses a number as people type it: currency signs, %, spaces and thousands separators are
-- ignored; dec_comma says whether "," is the decimal separator (semicolon CSVs). Anything
-- else (including "1,5" when the separator is ".", or inf/nan) gives NULL, never a guess.
-- The first branch is a fast path for plain numbers (digits, and "." decimals when "." is the
-- separator): the same result as the full path, without the clean-up regexes.
CREATE OR REPLACE MACRO epmo_number(v, dec_comma) AS
    CASE
        WHEN regexp_full_match(v, '-?\d+(\.\d+)?') AND NOT (dec_comma AND contains(v, '.'))
            THEN TRY_CAST(v AS DOUBLE)
        ELSE epmo_number_clean(regexp_replace(trim(v), '[\s\x{00A0}$€£%]', '', 'g'), dec_comma)
    END;
