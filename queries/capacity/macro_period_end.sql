-- macro: capacity_period_end(period_start, next_start) -> DATE
-- The end (exclusive) of a demand or supply period. A period_start on the 1st of a month is
-- a month, unless it is also a Monday and the same project (or team) reports its next period
-- less than a month later: then it is a week, like every other Monday. Any other date (the
-- checks reject them) is read as a week starting that day.
CREATE OR REPLACE MACRO capacity_period_end(period_start, next_start) AS
    CASE
        WHEN day(period_start) = 1
            AND (isodow(period_start) <> 1 OR next_start IS NULL OR next_start >= period_start + INTERVAL 1 MONTH)
            THEN CAST(period_start + INTERVAL 1 MONTH AS DATE)
        ELSE CAST(period_start + INTERVAL 7 DAY AS DATE)
    END;
