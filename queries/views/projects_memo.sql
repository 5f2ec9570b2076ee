-- table: projects_memo
-- (the first of the group views/as_of_memo: projects_memo, milestones_memo, raid_memo, projects_as_of_memo, milestones_as_of_memo, raid_as_of_memo, key_milestone_history, key_milestone_memo, key_milestone_history_memo, project_report_hashes, project_report_hash_memo, project_report_hashes_memo)
-- grain: as projects_as_of / milestones_as_of / raid_as_of (one row per current record of
-- each project as of the week), for the as-of week
-- Each <table>_as_of(as_of) reads the table's whole stored history (every week ever
-- submitted) to keep the rows in force on one week; at large scale that scan is most of a
-- milestone, RAID, project list or candidates query, and a page runs several of them for
-- the same one or two weeks. So each store connection keeps the rows of every week asked for
-- in projects_memo, milestones_memo and raid_memo, computed once from the definitions:
-- epmo.sql prepares the weeks a query binds before running it (queries/memo/). A week that
-- was not prepared is an error, never an empty result.
CREATE OR REPLACE TABLE projects_memo AS
SELECT CAST(NULL AS DATE) AS memo_as_of, * FROM projects_as_of(DATE '1900-01-01') LIMIT 0;
