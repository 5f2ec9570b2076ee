-- macro: epmo_invisible_char(v) -> VARCHAR
-- The first character of v that cannot be seen but makes two ids differ, '' when none:
-- zero-width spaces and joiners (U+200B-U+200D, U+2060-U+2064, U+FEFF), the soft hyphen
-- (U+00AD), and bidirectional controls (U+200E, U+200F, U+202A-U+202E, U+2066-U+2069),
-- which can also make text display in another order than it is stored. NULL for NULL.
CREATE OR REPLACE MACRO epmo_invisible_char(v) AS
    regexp_extract(v, '[\x{00AD}\x{200B}-\x{200F}\x{202A}-\x{202E}\x{2060}-\x{2064}\x{2066}-\x{2069}\x{FEFF}]');
