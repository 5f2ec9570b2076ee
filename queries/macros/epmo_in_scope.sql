-- macro: epmo_in_scope(portfolio, programme, portfolios, programmes) -> BOOLEAN
-- The sidebar filter: a project is in scope when its portfolio is among the chosen
-- portfolios and its programme among the chosen programmes (an empty list = all).
CREATE OR REPLACE MACRO epmo_in_scope(portfolio, programme, portfolios, programmes) AS
    (len(portfolios) = 0 OR list_contains(portfolios, portfolio))
    AND (len(programmes) = 0 OR list_contains(programmes, programme));
