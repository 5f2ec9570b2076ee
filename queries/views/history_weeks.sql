-- macro: history_weeks(as_of) -> list of dates
-- The weeks a project's history shows: the last 52 reporting weeks on or before the as-of
-- week (newest first). project/health_history reads them; epmo.sql prepares their health.
CREATE OR REPLACE MACRO history_weeks(as_of) AS (
    SELECT list(DISTINCT as_of_date ORDER BY as_of_date DESC)[1:52]
    FROM accepted_uploads
    WHERE NOT is_retracted AND as_of_date <= CAST(as_of AS DATE)
);
