-- macro: epmo_confusables() -> TABLE (ch, latin, label)
-- Characters that look like a Latin letter or an ASCII hyphen, each with the character it
-- passes for and what it is; epmo_skeleton folds them. Lower case only: epmo_skeleton
-- lower-cases first, so Cyrillic 'Р' is found as 'р'. A small table of the common
-- confusables (after NFKC, which the upload applies to identifiers, so full-width forms
-- are ASCII already), after Unicode TR39's confusables.txt: the Cyrillic and Greek letters
-- whose capital or small form looks Latin, and the dash variants. Digits and their Latin
-- look-alikes (0/O, 1/l/I) are not folded here, where every letter would become a digit:
-- epmo_letters_as_digits reads them as digits only where they touch a digit.
CREATE OR REPLACE MACRO epmo_confusables() AS TABLE
    SELECT * FROM (VALUES
        ('а', 'a', 'Cyrillic'), ('в', 'b', 'Cyrillic'), ('е', 'e', 'Cyrillic'),
        ('ѕ', 's', 'Cyrillic'), ('і', 'i', 'Cyrillic'), ('ј', 'j', 'Cyrillic'),
        ('к', 'k', 'Cyrillic'), ('м', 'm', 'Cyrillic'), ('н', 'h', 'Cyrillic'),
        ('о', 'o', 'Cyrillic'), ('р', 'p', 'Cyrillic'), ('с', 'c', 'Cyrillic'),
        ('т', 't', 'Cyrillic'), ('у', 'y', 'Cyrillic'), ('х', 'x', 'Cyrillic'),
        ('ԁ', 'd', 'Cyrillic'), ('ԛ', 'q', 'Cyrillic'), ('ԝ', 'w', 'Cyrillic'),
        ('ү', 'y', 'Cyrillic'), ('һ', 'h', 'Cyrillic'),
        ('α', 'a', 'Greek'), ('β', 'b', 'Greek'), ('ε', 'e', 'Greek'),
        ('ζ', 'z', 'Greek'), ('η', 'h', 'Greek'), ('ι', 'i', 'Greek'),
        ('κ', 'k', 'Greek'), ('μ', 'm', 'Greek'), ('ν', 'n', 'Greek'),
        ('ο', 'o', 'Greek'), ('ρ', 'p', 'Greek'), ('τ', 't', 'Greek'),
        ('υ', 'y', 'Greek'), ('χ', 'x', 'Greek'), ('ϲ', 'c', 'Greek'),
        ('‐', '-', 'hyphen'), ('‑', '-', 'non-breaking hyphen'), ('‒', '-', 'figure dash'),
        ('–', '-', 'en dash'), ('—', '-', 'em dash'), ('―', '-', 'horizontal bar'),
        ('−', '-', 'minus sign'), ('﹘', '-', 'small em dash'), ('⁃', '-', 'hyphen bullet')
    ) AS t(ch, latin, label);
