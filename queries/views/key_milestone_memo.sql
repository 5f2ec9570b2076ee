-- table: key_milestone_memo
-- Part of the group that views/projects_memo.sql describes.
CREATE OR REPLACE TABLE key_milestone_memo AS
SELECT * FROM key_milestone_history() LIMIT 0;
