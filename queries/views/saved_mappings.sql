-- view: saved_mappings
-- grain: one row per mapping name, its latest saved version (older versions stay in the store)
CREATE OR REPLACE VIEW saved_mappings AS
SELECT name, saved_at, saved_by, spec
FROM raw_mappings
QUALIFY row_number() OVER (PARTITION BY name ORDER BY saved_at DESC) = 1;
