-- macro: epmo_letters_as_digits(v) -> VARCHAR
-- A lower-case id with the letters people type for digits read as the digits, where they
-- touch a digit: o for 0, i and l for 1 ('prj-0o25' -> 'prj-0025', 'prj-i025' -> 'prj-1025',
-- 'prj-oo25' -> 'prj-0025'). A letter away from digits stays ('ops-1', 'polo-1'). Runs of
-- up to four such letters beside a digit are read (each pass reaches one letter further).
CREATE OR REPLACE MACRO epmo_letters_as_digits(v) AS
    list_reduce(
        [v, v, v, v],  -- four passes of the two rules (the elements only count them)
        lambda acc, ignored: regexp_replace(
            regexp_replace(
                regexp_replace(regexp_replace(acc, '([0-9])o', '\10', 'g'), 'o([0-9])', '0\1', 'g'),
                '([0-9])[il]', '\11', 'g'
            ),
            '[il]([0-9])', '1\1', 'g'
        ),
        v
    );
