-- rule: project_id_confusable
-- severity: warning
-- grain: one row per project id of the upload that is new (not in the store) and looks like
-- another (the same epmo_skeleton: case, Cyrillic/Greek look-alikes, dash variants; or the
-- same epmo_id_shape: spaces, punctuation, zeros padding a number): a project in the
-- store, else an earlier row of the upload
WITH known AS MATERIALIZED (
    SELECT DISTINCT s.entity_key AS project_id
    FROM raw_submissions AS s
    JOIN accepted_uploads AS u USING (upload_id)
    WHERE s.table_name = 'projects' AND NOT u.is_retracted AND s.entity_key IS NOT NULL
),

-- the skeletons of the known ids that share one with a new id (computed once per known id)
known_skeletons AS MATERIALIZED (
    SELECT project_id, epmo_skeleton(project_id) AS skeleton, epmo_id_shape(project_id) AS shape FROM known
    WHERE EXISTS (SELECT 1 FROM typed_projects AS t WHERE t.project_id NOT IN (SELECT project_id FROM known))
),

uploaded AS (
    SELECT _file, _sheet, _row, project_id, epmo_skeleton(project_id) AS skeleton, epmo_id_shape(project_id) AS shape
    FROM typed_projects
    WHERE project_id IS NOT NULL
),

fresh AS (
    SELECT * FROM uploaded WHERE project_id NOT IN (SELECT project_id FROM known)
),

candidates AS (
    SELECT f.*, k.project_id AS other, k.skeleton AS other_skeleton,
           'the existing project ' || k.project_id AS what, 0 AS rank
    FROM fresh AS f
    JOIN known_skeletons AS k
        ON k.shape = f.shape AND k.project_id <> f.project_id  -- one skeleton, one shape
    UNION ALL
    SELECT f.*, u.project_id, u.skeleton, u.project_id || ' in row ' || CAST(u._row AS VARCHAR)
           || CASE WHEN u._file <> f._file OR u._sheet <> f._sheet
                   THEN ' of ' || u._file || CASE WHEN u._sheet <> '' THEN ', sheet ' || u._sheet ELSE '' END
                   ELSE '' END, 1
    FROM fresh AS f
    JOIN uploaded AS u
        ON u.shape = f.shape AND u.project_id <> f.project_id
        AND (u._file, u._sheet, u._row) < (f._file, f._sheet, f._row)
),

firsts AS (
    SELECT * FROM candidates
    QUALIFY row_number() OVER (PARTITION BY _file, _sheet, _row ORDER BY rank, other) = 1
),

positions AS (
    SELECT _file, _sheet, _row, i, substr(project_id, i, 1) AS mine, substr(other, i, 1) AS theirs
    FROM (SELECT *, unnest(range(1, length(project_id) + 1)) AS i FROM firsts)
    WHERE length(project_id) = length(other)
),

kinds AS (
    SELECT DISTINCT p._file, p._sheet, p._row,
           CASE
               WHEN lower(p.mine) = lower(p.theirs) THEN 'upper/lower case'
               WHEN m.label IS NOT NULL
                   THEN m.label || ' ''' || p.mine || ''' (' || printf('U+%04X', unicode(p.mine)) || ')'
               WHEN t.label IS NOT NULL
                   THEN '''' || p.mine || ''' where it has ' || t.label || ' ''' || p.theirs
                        || ''' (' || printf('U+%04X', unicode(p.theirs)) || ')'
               ELSE '''' || p.mine || ''' for ''' || p.theirs || ''''
           END AS how
    FROM positions AS p
    LEFT JOIN epmo_confusables() AS m ON m.ch = lower(p.mine)
    LEFT JOIN epmo_confusables() AS t ON t.ch = lower(p.theirs)
    WHERE p.mine <> p.theirs
),

differences AS (  -- in one order, whatever the engine's
    SELECT _file, _sheet, _row, string_agg(how, ', ' ORDER BY how) AS how
    FROM kinds
    GROUP BY ALL
)

SELECT 'projects' AS table_name, f._file, f._sheet, f._row, 'project_id' AS column_name,
       f.project_id AS value,
       f.project_id || ' in row ' || CAST(f._row AS VARCHAR) || ' looks like ' || f.what
       || ' (differs by: ' || coalesce(
           d.how,
           CASE WHEN f.skeleton = f.other_skeleton THEN 'characters that look alike'
                WHEN epmo_letters_as_digits(f.skeleton) <> f.skeleton
                    OR epmo_letters_as_digits(f.other_skeleton) <> f.other_skeleton
                    THEN 'letters typed for digits, spaces, punctuation or zeros'
                ELSE 'spaces, punctuation or zeros' END
       ) || '). If it is the same '
       || 'project, type its id exactly as ' || f.other || '; otherwise choose an id that does '
       || 'not look like another.' AS message
FROM firsts AS f
LEFT JOIN differences AS d USING (_file, _sheet, _row)
