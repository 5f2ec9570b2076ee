-- macro: epmo_letters_as_digits(v) -> VARCHAR
-- A lower-case id with the letters people type for digits read as the digits: a run of
-- only o, i and l letters (o for 0, i and l for 1) that touches a run of digits
-- ('prj-0o25' -> 'prj-0025', 'prj-oo25' -> 'prj-0025', 'crm-l2' -> 'crm-12'). A run of
-- other letters stays, so words keep their letters ('pool1', 'roi1', 'hill1', 'ops-1').
CREATE OR REPLACE MACRO epmo_letters_as_digits(v) AS (
    SELECT array_to_string(
        list_transform(
            runs,
            lambda r, i: CASE
                WHEN regexp_full_match(r, '[oil]+')
                    AND (
                        regexp_full_match(coalesce(runs[i - 1], ''), '[0-9]+')
                        OR regexp_full_match(coalesce(runs[i + 1], ''), '[0-9]+')
                    )
                    THEN translate(r, 'oil', '011')
                ELSE r
            END
        ),
        ''
    )
    FROM (SELECT regexp_extract_all(v, '[a-z]+|[0-9]+|[^a-z0-9]+') AS runs)
);
