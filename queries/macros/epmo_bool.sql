-- macro: epmo_bool(v) -> BOOLEAN
-- true/false, yes/no, y/n, 1/0, x (ticked); blank gives NULL.
CREATE OR REPLACE MACRO epmo_bool(v) AS (
    CASE
        WHEN lower(trim(v)) IN ('true', 't', 'yes', 'y', '1', 'x') THEN TRUE
        WHEN lower(trim(v)) IN ('false', 'f', 'no', 'n', '0') THEN FALSE
        ELSE NULL
    END
);
