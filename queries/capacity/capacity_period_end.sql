-- macro: capacity_period_end(period_start, prev_start, next_start)
-- The end (exclusive) of a demand or supply period; prev_start / next_start are the same
-- project's (or team's) neighbouring period starts. A period_start on the 1st of a month
-- is a month, unless it is also a Monday and its neighbours say week: the next period
-- starts less than a month later or, when it is the last period, the previous one started
-- less than four weeks before. Any other Monday is a week; any other date (the upload
-- checks reject them) is read as a week starting that day.
CREATE OR REPLACE MACRO capacity_period_end(period_start, prev_start, next_start) AS
    CASE
        WHEN day(period_start) = 1
            AND (
                isodow(period_start) <> 1
                OR coalesce(
                    next_start >= period_start + INTERVAL 1 MONTH,
                    prev_start IS NULL OR prev_start + INTERVAL 28 DAY <= period_start
                )
            )
            THEN CAST(period_start + INTERVAL 1 MONTH AS DATE)
        ELSE CAST(period_start + INTERVAL 7 DAY AS DATE)
    END;
