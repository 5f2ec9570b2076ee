-- grain: one row per saved mapping name (latest version)
SELECT name, saved_at, saved_by, spec FROM saved_mappings ORDER BY name
