-- macro: epmo_id_shape(v) -> VARCHAR
-- An id's skeleton (epmo_skeleton) without what people type differently for the same id:
-- a letter typed for a digit beside one (epmo_letters_as_digits: 'PRJ-0O25'), ASCII spaces
-- and punctuation, and the zeros that pad a number. 'PRJ-0001', 'PRJ0001', 'PRJ 001',
-- 'prj_1' and 'PRJ-OO01' all have the shape 'prj1'. Two different ids of one shape are
-- likely one project typed two ways (checks/project_id_confusable warns).
CREATE OR REPLACE MACRO epmo_id_shape(v) AS
    regexp_replace(  -- the padding zeros first, while punctuation still parts the numbers
        regexp_replace(epmo_letters_as_digits(epmo_skeleton(v)), '(^|[^0-9])0+([0-9])', '\1\2', 'g'),
        '[[:punct:][:space:]]', '', 'g'
    );
