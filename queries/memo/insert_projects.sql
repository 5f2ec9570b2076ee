-- grain: inserts the projects rows in force as of $as_of (projects_as_of) into projects_memo
-- params: $as_of
INSERT INTO projects_memo
SELECT CAST($as_of AS DATE), * FROM projects_as_of(CAST($as_of AS DATE))
