-- macro: epmo_paired_sum(x, y) -> aggregate
-- The sum of x over the rows where both x and y are present: the numerator (or, swapped,
-- the denominator) of a ratio of sums. Tables show these beside the ratio, so that
-- "EV / AC" on screen is the CPI on screen.
CREATE OR REPLACE MACRO epmo_paired_sum(x, y) AS
    sum(x) FILTER (WHERE x IS NOT NULL AND y IS NOT NULL);
