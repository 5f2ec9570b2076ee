-- macro: epmo_expected_to_report(stage) -> BOOLEAN
-- The one definition of "expected to report" used by every count of reports (Home, the
-- pack, decks, Data quality, Submissions): a project is expected to report for a week when
-- the stage of its latest report is one of health.active_stages (settings.toml). A project
-- that is Closed, Cancelled or not yet started is not expected, so it never counts as
-- missing. It has reported for the week when its latest report is for that week
-- (weeks_stale = 0); it is missing when it is expected and has not.
CREATE OR REPLACE MACRO epmo_expected_to_report(stage) AS
    coalesce(list_contains((SELECT active_stages FROM health_rules), stage), false);
