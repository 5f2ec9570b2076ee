-- macro: epmo_date_clean(t, dayfirst) -> DATE
-- The body of epmo_date: t is already trimmed. A date written with dots (04.12.2026) is day
-- first whatever dayfirst says: dots are used only where the day comes first. This is the one
-- place that rule lives (the as-of column, the checks and the typed columns all call it).
-- Separators mixed with dots (04-12.2026) are read in the order dayfirst says, as before.
CREATE OR REPLACE MACRO epmo_date_clean(t, dayfirst) AS
    CASE
        WHEN t = '' THEN NULL
        WHEN regexp_full_match(t, '\d{4}-\d{1,2}-\d{1,2}([ T].*)?')
            THEN CAST(try_strptime(regexp_extract(t, '^\d{4}-\d{1,2}-\d{1,2}'), '%Y-%m-%d') AS DATE)
        WHEN regexp_full_match(t, '\d{4}/\d{1,2}/\d{1,2}')
            THEN CAST(try_strptime(t, '%Y/%m/%d') AS DATE)
        WHEN regexp_full_match(t, '\d{1,2}\.\d{1,2}\.\d{4}( .*)?')
            THEN CAST(try_strptime(regexp_extract(t, '^\S+'), '%d.%m.%Y') AS DATE)
        WHEN regexp_full_match(t, '\d{1,2}[/.-]\d{1,2}[/.-]\d{4}( .*)?') AND dayfirst
            THEN CAST(try_strptime(regexp_replace(regexp_extract(t, '^\S+'), '[.-]', '/', 'g'), '%d/%m/%Y') AS DATE)
        WHEN regexp_full_match(t, '\d{1,2}[/.-]\d{1,2}[/.-]\d{4}( .*)?')
            THEN CAST(try_strptime(regexp_replace(regexp_extract(t, '^\S+'), '[.-]', '/', 'g'), '%m/%d/%Y') AS DATE)
        WHEN regexp_full_match(t, '\d{1,2}[ -][A-Za-z]{3,9}[ -]\d{4}')
            THEN CAST(try_strptime(regexp_replace(t, '-', ' ', 'g'), ['%d %b %Y', '%d %B %Y']) AS DATE)
        WHEN regexp_full_match(t, '\d{5}(\.\d+)?') AND TRY_CAST(t AS DOUBLE) BETWEEN 20000 AND 80000
            THEN DATE '1899-12-30' + CAST(floor(TRY_CAST(t AS DOUBLE)) AS INTEGER)
        ELSE NULL
    END;
