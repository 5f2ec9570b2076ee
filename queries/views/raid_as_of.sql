-- macro: raid_as_of(as_of) -> table
-- grain: one row per current raid record of each project as of the week, from the
-- project's latest submission of raid (see current_submissions), with as_of_date (the
-- week it was reported for) and weeks_stale.
CREATE OR REPLACE MACRO raid_as_of(as_of) AS TABLE
SELECT d.* EXCLUDE (source_row), c.as_of_date, c.weeks_stale
FROM raw_raid AS d
JOIN current_submissions(as_of) AS c
    ON c.table_name = 'raid' AND c.upload_id = d.upload_id AND c.entity_key = d.project_id;
