-- macro: capacity_projects(as_of)
-- Part of the group that views/demand_memo.sql describes.
CREATE OR REPLACE MACRO capacity_projects(as_of) AS TABLE
SELECT * EXCLUDE (memo_as_of)
FROM demand_project_memo
WHERE memo_as_of = CAST(as_of AS DATE) AND memo_week_guard('demand', as_of, 'projects_as_of(as_of)');
