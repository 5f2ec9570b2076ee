-- grain: one row: $text parsed as a date by the contract's date rules (NULL when not a date)
-- params: $text, $dayfirst
SELECT epmo_date($text, $dayfirst) AS parsed_date
