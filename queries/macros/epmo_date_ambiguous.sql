-- macro: epmo_date_ambiguous(v) -> BOOLEAN
-- TRUE when the text is a date that reads both ways, day first and month first, as two
-- different real dates (03/11/2025: 3 November or 11 March). 11/11/2025 and 13/03/2025
-- are not, nor is a date written with dots (04.03.2027), which is written day first
-- wherever dots are used. FALSE for NULL. The one definition: queries/checks/date_ambiguous.sql and the
-- validation fast path (epmo/validate.py) both call it.
CREATE OR REPLACE MACRO epmo_date_ambiguous(v) AS
    regexp_full_match(trim(v), '\d{1,2}[/-]\d{1,2}[/-]\d{4}( .*)?')
    AND epmo_date(v, true) IS NOT NULL AND epmo_date(v, false) IS NOT NULL
    AND epmo_date(v, true) <> epmo_date(v, false);
