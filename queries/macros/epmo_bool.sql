-- macro: epmo_bool(v) -> BOOLEAN
-- true/false, yes/no, y/n, 1/0, x (ticked); blank gives NULL. The first two branches are a
-- fast path for the exact spellings templates and exports use.
CREATE OR REPLACE MACRO epmo_bool(v) AS (
    CASE
        WHEN v = 'true' THEN TRUE
        WHEN v = 'false' THEN FALSE
        WHEN lower(trim(v)) IN ('true', 't', 'yes', 'y', '1', 'x') THEN TRUE
        WHEN lower(trim(v)) IN ('false', 'f', 'no', 'n', '0') THEN FALSE
        ELSE NULL
    END
);
