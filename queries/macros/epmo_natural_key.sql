-- macro: epmo_natural_key(id) -> VARCHAR
-- A sort key that orders ids as a person reads them: the runs of digits compared as numbers
-- (PRJ-2 before PRJ-10), the rest as text. Queries that list projects ORDER BY it; the
-- pickers use epmo.labels.natural_key, the same rule in Python.
CREATE OR REPLACE MACRO epmo_natural_key(id) AS
    array_to_string(
        list_transform(
            regexp_extract_all(CAST(id AS VARCHAR), '\d+|\D+'),
            lambda part: CASE
                WHEN regexp_full_match(part, '\d+') THEN lpad(ltrim(part, '0'), 24, '0')
                ELSE lower(part)
            END
        ),
        ''
    );
