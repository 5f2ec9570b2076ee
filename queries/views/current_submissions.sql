-- macro: current_submissions(as_of) -> table
-- grain: one row per contract table and entity (project_id; team for capacity); upload_id
-- holds the rows, submission_id is the submission in force (a confirmation or the same)
-- "The portfolio as of week W" for one week: see current_submissions_weeks, which holds
-- the definition.
CREATE OR REPLACE MACRO current_submissions(as_of) AS TABLE
SELECT table_name, entity_key, upload_id, submission_id, is_confirmation, as_of_date, weeks_stale
FROM current_submissions_weeks([CAST(as_of AS DATE)]);
