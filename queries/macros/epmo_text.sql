-- macro: epmo_text(v) -> VARCHAR
-- Trimmed text; blank becomes NULL.
CREATE OR REPLACE MACRO epmo_text(v) AS NULLIF(trim(v), '');
