-- macro: capacity_segment(work_date)
-- Part of the group that capacity/capacity_period.sql describes.
CREATE OR REPLACE MACRO capacity_segment(work_date) AS
    CAST(greatest(date_trunc('week', work_date), date_trunc('month', work_date)) AS DATE);
