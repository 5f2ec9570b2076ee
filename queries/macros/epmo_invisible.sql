-- macro: epmo_invisible(v) -> BOOLEAN
-- TRUE when v holds a character that cannot be seen but makes two ids differ (see
-- epmo_invisible_char). NULL for NULL. Used by queries/checks/invisible_character.sql and
-- the validation fast path alike.
CREATE OR REPLACE MACRO epmo_invisible(v) AS epmo_invisible_char(v) <> '';
