-- macro: current_submissions_weeks(weeks) -> table
-- grain: one row per week of the list `weeks`, contract table and entity (project_id; team
-- for capacity)
-- The definition of "the portfolio as of week W": for each entity and table, the latest
-- accepted, non-retracted submission of that table with as_of_date <= W (a later commit
-- for the same week supersedes an earlier one), and its age in whole weeks. Taking a list
-- of weeks lets trends and comparisons evaluate several weeks in one pass;
-- current_submissions(as_of) is the one-week form every as-of view uses. The ranking of
-- submissions is done once per snapshot in submission_validity (each week's winner and the
-- week it is superseded); here a week picks the submission in force on it.
CREATE OR REPLACE MACRO current_submissions_weeks(weeks) AS TABLE
SELECT
    w.week_date,
    v.table_name,
    v.entity_key,
    v.upload_id,
    v.submission_id,
    v.is_confirmation,
    v.valid_from AS as_of_date,
    CAST(date_diff('day', v.valid_from, w.week_date) // 7 AS INTEGER) AS weeks_stale
FROM (SELECT DISTINCT CAST(unnest(weeks) AS DATE) AS week_date) AS w
JOIN submission_validity AS v
    ON v.valid_from <= w.week_date AND w.week_date < v.valid_to;
