-- macro: capacity_as_of(as_of) -> table
-- grain: one row per current capacity record of each team as of the week, from the team's
-- latest submission of capacity (see current_submissions), with as_of_date and weeks_stale.
CREATE OR REPLACE MACRO capacity_as_of(as_of) AS TABLE
SELECT d.* EXCLUDE (source_row), c.as_of_date, c.weeks_stale
FROM raw_capacity AS d
JOIN current_submissions(as_of) AS c
    ON c.table_name = 'capacity' AND c.upload_id = d.upload_id AND c.entity_key = d.team;
