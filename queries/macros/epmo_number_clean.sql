-- macro: epmo_number_clean(t, dec_comma) -> DOUBLE
-- The second half of epmo_number: t is already stripped of spaces, currency signs and %.
CREATE OR REPLACE MACRO epmo_number_clean(t, dec_comma) AS
    CASE
        WHEN t = '' THEN NULL
        WHEN NOT dec_comma AND regexp_full_match(t, '-?\d{1,3}(,\d{3})+(\.\d+)?')
            THEN TRY_CAST(replace(t, ',', '') AS DOUBLE)
        WHEN dec_comma AND regexp_full_match(t, '-?\d{1,3}(\.\d{3})+(,\d+)?')
            THEN TRY_CAST(replace(replace(t, '.', ''), ',', '.') AS DOUBLE)
        WHEN dec_comma AND regexp_full_match(t, '-?\d*,\d+')
            THEN TRY_CAST(replace(t, ',', '.') AS DOUBLE)
        WHEN regexp_full_match(t, '[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?')
            THEN TRY_CAST(t AS DOUBLE)
        ELSE NULL
    END;
