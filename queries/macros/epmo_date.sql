-- macro: epmo_date(v, dayfirst) -> DATE
-- ISO dates (with or without a time), 2026/03/31, 31/03/2026 or 03/31/2026 (dayfirst says
-- which), 31-Mar-2026, 31 March 2026, and Excel serial numbers (20000-80000). Else NULL.
-- The first branch is a fast path for plain ISO dates (the same result as epmo_date_clean).
CREATE OR REPLACE MACRO epmo_date(v, dayfirst) AS
    CASE
        WHEN regexp_full_match(v, '\d{4}-\d{1,2}-\d{1,2}') THEN CAST(try_strptime(v, '%Y-%m-%d') AS DATE)
        ELSE epmo_date_clean(trim(v), dayfirst)
    END;
