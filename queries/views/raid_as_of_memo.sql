-- macro: raid_as_of_memo(as_of)
-- Part of the group that views/projects_memo.sql describes.
CREATE OR REPLACE MACRO raid_as_of_memo(as_of) AS TABLE
SELECT * EXCLUDE (memo_as_of)
FROM raid_memo
WHERE memo_as_of = CAST(as_of AS DATE) AND memo_week_guard('raid', as_of, 'raid_as_of(as_of)');
