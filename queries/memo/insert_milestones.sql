-- grain: inserts the milestones rows in force as of $as_of (milestones_as_of) into milestones_memo
-- params: $as_of
INSERT INTO milestones_memo
SELECT CAST($as_of AS DATE), * FROM milestones_as_of(CAST($as_of AS DATE))
