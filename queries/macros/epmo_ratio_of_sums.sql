-- macro: epmo_ratio_of_sums(num, den) -> aggregate
-- The one formula of a portfolio ratio (portfolio CPI = EV / AC, SPI = EV / PV): a ratio
-- of sums, never an average of ratios, over the projects where both inputs are present;
-- blank when the denominator sums to 0. Depends on epmo_paired_sum.
CREATE OR REPLACE MACRO epmo_ratio_of_sums(num, den) AS
    epmo_paired_sum(num, den) / nullif(epmo_paired_sum(den, num), 0);
