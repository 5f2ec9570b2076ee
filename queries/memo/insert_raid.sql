-- grain: inserts the raid rows in force as of $as_of (raid_as_of) into raid_memo
-- params: $as_of
INSERT INTO raid_memo
SELECT CAST($as_of AS DATE), * FROM raid_as_of(CAST($as_of AS DATE))
