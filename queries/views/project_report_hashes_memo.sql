-- macro: project_report_hashes_memo()
-- Part of the group that views/projects_memo.sql describes.
CREATE OR REPLACE MACRO project_report_hashes_memo() AS TABLE
SELECT *
FROM project_report_hash_memo
WHERE CASE
    WHEN (SELECT count(*) FROM memo_weeks WHERE memo = 'project_report_hashes') > 0 THEN true
    ELSE error(
        'project_report_hashes_memo: not prepared on this connection: run the query through '
        || 'epmo.sql, which prepares it, or read project_report_hashes()'
    )
END;
