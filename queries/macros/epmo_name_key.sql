-- macro: epmo_name_key(v) -> VARCHAR
-- A project's name as people tell two names apart: without case, without spaces around it,
-- and with runs of spaces as one. 'Risk Integration 7', 'risk  integration 7 ' are one name
-- (checks/project_name_taken).
CREATE OR REPLACE MACRO epmo_name_key(v) AS
    NULLIF(lower(regexp_replace(trim(v), '\s+', ' ', 'g')), '');
