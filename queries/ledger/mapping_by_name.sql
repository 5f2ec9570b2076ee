-- grain: one row: the latest version of the named saved mapping (none when unknown)
-- params: $name
SELECT name, saved_at, saved_by, spec FROM saved_mappings WHERE name = $name
