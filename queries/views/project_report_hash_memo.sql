-- table: project_report_hash_memo
-- Part of the group that views/projects_memo.sql describes.
CREATE OR REPLACE TABLE project_report_hash_memo AS
SELECT * FROM project_report_hashes() LIMIT 0;
