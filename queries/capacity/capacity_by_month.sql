-- macro: capacity_by_month(as_of, from_date, to_date, grain)
-- needs: demand
-- Part of the group that capacity/capacity_scenario_shifts.sql describes.
-- capacity_scenario_segments(as_of, portfolios, programmes, exclude_projects, shift_projects,
-- shift_weeks, scale_projects, scale_pcts, from_date, to_date, grain): the rows of
-- capacity_scenario_demand with from_date <= work_date < to_date (NULL: no bound), summed per
-- demand line and part of a period at the grain (week, month or quarter): project_id, role,
-- team, resource_name, is_tentative, segment_start (the part's first segment, see
-- capacity_segment: capacity_period(segment_start, grain) is the row's period), first_date,
-- last_date, hours. What the pages sum per period, from a fraction of the rows: for the
-- projects not shifted, the memoised months (split at the as-of Monday) when the grain is
-- month or quarter and the bounds are the as-of Monday or a 1st of a month, else the
-- memoised segments, except a segment cut by a bound, summed from its days; for the shifted
-- projects, their days, moved first.
-- whether the months serve (a test of the arguments alone, so DuckDB keeps one branch)
CREATE OR REPLACE MACRO capacity_by_month(as_of, from_date, to_date, grain) AS
    grain <> 'week'
    AND (from_date IS NULL OR CAST(from_date AS DATE) = CAST(date_trunc('week', CAST(as_of AS DATE)) AS DATE))
    AND (
        to_date IS NULL OR day(CAST(to_date AS DATE)) = 1
        OR CAST(to_date AS DATE) = CAST(date_trunc('week', CAST(as_of AS DATE)) AS DATE)
    );
