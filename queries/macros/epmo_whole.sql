-- macro: epmo_whole(n) -> BIGINT
-- n when it is a whole number within BIGINT range, else NULL.
CREATE OR REPLACE MACRO epmo_whole(n) AS
    CASE WHEN n = round(n) AND abs(n) < 9e15 THEN CAST(n AS BIGINT) END;
