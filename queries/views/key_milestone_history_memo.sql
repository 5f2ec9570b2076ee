-- macro: key_milestone_history_memo()
-- Part of the group that views/projects_memo.sql describes.
CREATE OR REPLACE MACRO key_milestone_history_memo() AS TABLE
SELECT *
FROM key_milestone_memo
WHERE CASE
    WHEN (SELECT count(*) FROM memo_weeks WHERE memo = 'key_milestones') > 0 THEN true
    ELSE error(
        'key_milestone_history_memo: not prepared on this connection: run the query through '
        || 'epmo.sql, which prepares it, or read key_milestone_history()'
    )
END;
