-- macro: capacity_period(work_date, grain) -> DATE
-- The reporting period a working day falls in: its week (Monday), month (1st) or quarter.
CREATE OR REPLACE MACRO capacity_period(work_date, grain) AS
    CASE grain
        WHEN 'week' THEN CAST(date_trunc('week', work_date) AS DATE)
        WHEN 'month' THEN CAST(date_trunc('month', work_date) AS DATE)
        ELSE CAST(date_trunc('quarter', work_date) AS DATE)
    END;
