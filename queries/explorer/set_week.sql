-- grain: (setting) the week the explorer's as-of views show
-- params: $as_of
SET VARIABLE explorer_as_of = CAST($as_of AS DATE);
