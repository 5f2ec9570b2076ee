-- macro: epmo_date(v, dayfirst) -> DATE
-- ISO dates (with or without a time), 2026/03/31, 31/03/2026 or 03/31/2026 (dayfirst says
-- which), 31-Mar-2026, 31 March 2026, and Excel serial numbers (20000-80000). Else NULL.
CREATE OR REPLACE MACRO epmo_date(v, dayfirst) AS epmo_date_clean(trim(v), dayfirst);
