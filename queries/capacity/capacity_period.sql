-- macro: capacity_period(work_date, grain)
-- needs: demand
-- (the first of the group capacity/macro_period: capacity_period, capacity_segment)
-- capacity_period: the reporting period a working day falls in: its week (Monday), month
-- (1st) or quarter.
-- capacity_segment: the start of the part of its week that lies in its month (the later of
-- its Monday and the 1st of its month). Every day of a segment has the same week, month and
-- quarter, so demand summed per segment (views/capacity_demand_days.sql and the other capacity memo files) can be summed on per
-- period at any grain; the Monday of the as-of week and a horizon end on the 1st of a month
-- are segment starts.
CREATE OR REPLACE MACRO capacity_period(work_date, grain) AS
    CASE grain
        WHEN 'week' THEN CAST(date_trunc('week', work_date) AS DATE)
        WHEN 'month' THEN CAST(date_trunc('month', work_date) AS DATE)
        ELSE CAST(date_trunc('quarter', work_date) AS DATE)
    END;
