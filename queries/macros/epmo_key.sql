-- macro: epmo_key(v) -> VARCHAR
-- Matching key for allowed values: lower case, letters and digits only ("On hold" = "ON-HOLD").
CREATE OR REPLACE MACRO epmo_key(v) AS regexp_replace(lower(trim(v)), '[^0-9a-z]', '', 'g');
