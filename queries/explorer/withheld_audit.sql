-- view: withheld_audit
-- grain: (the explorer, for whoever may not read the audit trail) no rows: the trail says who
-- changed what, when and from where, which only admins read (docs/security.md)
-- Made on the explorer's own connection before it is locked; raw_audit then reads it;
-- the audit table's files are then not among the files a query may read
-- (epmo/sandbox.py connect, access.explorer_withheld).
CREATE OR REPLACE TABLE withheld_audit AS
SELECT * FROM raw_audit
WHERE FALSE;
