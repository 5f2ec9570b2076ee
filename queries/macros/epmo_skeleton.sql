-- macro: epmo_skeleton(v) -> VARCHAR
-- What an id looks like: lower case, with every character of epmo_confusables() replaced
-- by the Latin letter or hyphen it passes for. Two different ids with the same skeleton
-- are confusable ('PRJ-0001', 'prj-0001', 'PRJ‑0001' with a non-breaking hyphen, 'РRJ-0001'
-- with a Cyrillic 'Р'). One character for one, so positions line up.
CREATE OR REPLACE MACRO epmo_skeleton(v) AS
    translate(
        lower(v),
        (SELECT string_agg(ch, '' ORDER BY ch) FROM epmo_confusables()),
        (SELECT string_agg(latin, '' ORDER BY ch) FROM epmo_confusables())
    );
