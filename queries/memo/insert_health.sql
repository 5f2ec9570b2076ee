-- grain: inserts the health of the weeks $weeks (not yet prepared) into health_memo
-- params: $weeks
INSERT INTO health_memo
SELECT * FROM project_health_compute(CAST($weeks AS DATE []))
