-- macro: project_health(as_of) -> table
-- grain: one row per project in the portfolio as of the week (see project_health_weeks,
-- which defines every metric)
CREATE OR REPLACE MACRO project_health(as_of) AS TABLE
SELECT * EXCLUDE (week_date)
FROM project_health_weeks([CAST(as_of AS DATE)]);
