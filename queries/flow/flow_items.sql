-- macro: flow_items(as_of)
-- grain: one row per current work item of each project as of the week (work_items_as_of),
-- with the item-level flow measures. Dates after the as-of week are treated as not yet
-- happened. Days count inclusively: an item started and finished on the same day took 1 day.
-- metrics: cycle_time_days, lead_time_days, age_days, is_wip, is_counted
-- cycle_time_days = done_date - started_date + 1 (items done, with a start date on or before
-- the done date); lead_time_days = done_date - created_date + 1; age_days (in progress
-- items with a start date) = the as-of week - started_date + 1. is_counted: epics and
-- sub-tasks are containers and parts, not items of flow; every measure counts the rest.
CREATE OR REPLACE MACRO flow_items(as_of) AS TABLE
WITH items AS (
    SELECT
        i.project_id,
        coalesce(nullif(trim(i.team), ''), '(no team)') AS team,
        i.item_key,
        i.item_type,
        i.title,
        i.parent_key,
        i.status,
        i.status_category,
        CASE WHEN i.created_date <= CAST(as_of AS DATE) THEN i.created_date END AS created_date,
        CASE WHEN i.started_date <= CAST(as_of AS DATE) THEN i.started_date END AS started_date,
        CASE
            WHEN i.status_category = 'Done' AND i.done_date <= CAST(as_of AS DATE) THEN i.done_date
        END AS done_date,
        i.story_points,
        i.sprints,
        i.as_of_date,
        i.weeks_stale,
        CAST(as_of AS DATE) AS week_date,
        epmo_flow_item(i.item_type) AS is_counted
    FROM work_items_as_of(as_of) AS i
)

SELECT
    *,
    status_category = 'In Progress' AS is_wip,
    CASE WHEN done_date >= started_date THEN date_diff('day', started_date, done_date) + 1 END
        AS cycle_time_days,
    CASE WHEN done_date >= created_date THEN date_diff('day', created_date, done_date) + 1 END
        AS lead_time_days,
    CASE
        WHEN status_category = 'In Progress' AND started_date IS NOT NULL
            THEN date_diff('day', started_date, week_date) + 1
    END AS age_days
FROM items;
