-- rule: invisible_character
-- severity: error
-- grain: one row per identifier cell (ids, keys, emails: contract_columns.is_identifier)
-- holding a zero-width or bidirectional control character (epmo_invisible)
WITH hits AS (
    SELECT c.table_name, c._file, c._sheet, c._row, c.column_name, c.raw,
           epmo_invisible_char(c.raw) AS ch
    FROM cells AS c
    JOIN contract_columns AS k USING (table_name, column_name)
    WHERE k.is_identifier AND epmo_invisible(c.raw)
)

SELECT table_name, _file, _sheet, _row, column_name, raw AS value,
       'Holds an invisible character, ' || printf('U+%04X', unicode(ch)) || ' ('
       || CASE
           WHEN unicode(ch) IN (8206, 8207) OR unicode(ch) BETWEEN 8234 AND 8238
                OR unicode(ch) BETWEEN 8294 AND 8297
               THEN 'a bidirectional control, which can make text show in another order'
           WHEN unicode(ch) = 173 THEN 'a soft hyphen'
           ELSE 'a zero-width character'
       END
       || '), at character ' || CAST(instr(raw, ch) AS VARCHAR) || ' of ' || CAST(length(raw) AS VARCHAR)
       || ': two ids that look the same would differ. Delete the cell''s content, type the '
       || 'value again and upload again.' AS message
FROM hits
