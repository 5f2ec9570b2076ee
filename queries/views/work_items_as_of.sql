-- macro: work_items_as_of(as_of) -> table
-- grain: one row per current work item of each project as of the week, from the project's
-- latest submission of work_items (see current_submissions: each upload is the project's
-- whole current backlog and supersedes the previous one), with as_of_date (the week it
-- was reported for, the status date of the flow metrics) and weeks_stale.
CREATE OR REPLACE MACRO work_items_as_of(as_of) AS TABLE
SELECT d.* EXCLUDE (source_row), c.as_of_date, c.weeks_stale
FROM raw_work_items AS d
JOIN current_submissions(as_of) AS c
    ON c.table_name = 'work_items' AND c.upload_id = d.upload_id AND c.entity_key = d.project_id;
