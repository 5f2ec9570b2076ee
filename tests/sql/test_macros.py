"""The parser macros in queries/macros/, table-driven."""

from __future__ import annotations

import datetime as dt

import pytest

from epmo import sql


@pytest.fixture(scope="module")
def con():  # type: ignore[no-untyped-def]
    c = sql.connect()
    yield c
    c.close()


@pytest.mark.parametrize(
    ("text", "dec_comma", "expected"),
    [
        ("1250.5", False, 1250.5),
        ("1,234.5", False, 1234.5),
        ("$1,200", False, 1200.0),
        ("45%", False, 45.0),
        (" 7 ", False, 7.0),
        ("-3", False, -3.0),
        ("1e3", False, 1000.0),
        ("1,5", False, None),  # ambiguous: never guessed
        ("12,5", True, 12.5),
        ("1.234,5", True, 1234.5),
        ("1 200,50", True, 1200.5),
        ("inf", False, None),
        ("nan", False, None),
        ("ten", False, None),
        ("", False, None),
    ],
)
def test_epmo_number(con, text: str, dec_comma: bool, expected: float | None) -> None:  # type: ignore[no-untyped-def]
    got = con.sql("SELECT epmo_number($v, $d)", params={"v": text, "d": dec_comma}).fetchall()[0][0]
    assert got == expected


@pytest.mark.parametrize(
    ("text", "dayfirst", "expected"),
    [
        ("2026-03-31", True, dt.date(2026, 3, 31)),
        ("2026-03-31 00:00:00", True, dt.date(2026, 3, 31)),
        ("2026/3/1", True, dt.date(2026, 3, 1)),
        ("31/03/2026", True, dt.date(2026, 3, 31)),
        ("03/04/2026", True, dt.date(2026, 4, 3)),
        ("03/04/2026", False, dt.date(2026, 3, 4)),
        ("31.03.2026", True, dt.date(2026, 3, 31)),
        ("04.03.2026", False, dt.date(2026, 3, 4)),  # dots are day first, whatever the order said
        ("04.03.2026 09:30", False, dt.date(2026, 3, 4)),
        ("03-04-2026", False, dt.date(2026, 3, 4)),
        ("03-04-2026", True, dt.date(2026, 4, 3)),
        ("04.03/2026", True, dt.date(2026, 3, 4)),  # mixed with a slash: the order said
        ("04-03.2026", False, dt.date(2026, 4, 3)),
        ("31-Mar-2026", True, dt.date(2026, 3, 31)),
        ("5 March 2026", True, dt.date(2026, 3, 5)),
        ("46000", True, dt.date(2025, 12, 9)),  # Excel serial
        ("31/02/2026", True, None),
        ("31/03/2026", False, None),
        ("next week", True, None),
    ],
)
def test_epmo_date(con, text: str, dayfirst: bool, expected: dt.date | None) -> None:  # type: ignore[no-untyped-def]
    got = con.sql("SELECT epmo_date($v, $d)", params={"v": text, "d": dayfirst}).fetchall()[0][0]
    assert got == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("yes", True),
        ("Y", True),
        ("1", True),
        ("x", True),
        ("TRUE", True),
        ("no", False),
        ("0", False),
        ("False", False),
        ("maybe", None),
        ("", None),
    ],
)
def test_epmo_bool(con, text: str, expected: bool | None) -> None:  # type: ignore[no-untyped-def]
    assert con.sql("SELECT epmo_bool($v)", params={"v": text}).fetchall()[0][0] == expected


@pytest.mark.parametrize(
    ("text", "column", "expected"),
    [
        ("r", "rag_overall", "Red"),
        (" AMBER ", "rag_overall", "Amber"),
        ("g", "rag_overall", "Green"),
        ("purple", "rag_overall", None),
        ("on-hold", "stage", "On hold"),
        ("EXECUTION", "stage", "Execution"),
        ("exec", "stage", None),
    ],
)
def test_epmo_enum(con, text: str, column: str, expected: str | None) -> None:  # type: ignore[no-untyped-def]
    got = con.sql("SELECT epmo_enum($v, 'projects', $c)", params={"v": text, "c": column}).fetchall()[0][0]
    assert got == expected


@pytest.mark.parametrize(("text", "expected"), [("3", 3), ("3.0", 3), ("3.5", None), ("x", None)])
def test_epmo_integer(con, text: str, expected: int | None) -> None:  # type: ignore[no-untyped-def]
    assert con.sql("SELECT epmo_integer($v, false)", params={"v": text}).fetchall()[0][0] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PRJ-0001", "prj-0001"),
        ("prj-0001", "prj-0001"),
        ("PRJ\u20110001", "prj-0001"),  # non-breaking hyphen
        ("PRJ\u20100001", "prj-0001"),  # hyphen (NFKC of the non-breaking one)
        ("PRJ\u20140001", "prj-0001"),  # em dash
        ("\u0420RJ-0001", "prj-0001"),  # Cyrillic capital ER
        ("\u03a1RJ-0001", "prj-0001"),  # Greek capital RHO
        ("\u0440rj-\u04350", "prj-e0"),
        ("PRJ-O001", "prj-o001"),  # Latin O and digit 0 are not folded
        ("Zoë", "zoë"),
        (None, None),
    ],
)
def test_epmo_skeleton(con, text: str | None, expected: str | None) -> None:  # type: ignore[no-untyped-def]
    assert con.sql("SELECT epmo_skeleton($v)", params={"v": text}).fetchall()[0][0] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PRJ-0001", "prj1"),
        ("PRJ0001", "prj1"),
        ("PRJ 001", "prj1"),
        ("prj_1", "prj1"),
        ("PRJ-0010", "prj10"),  # zeros that end a number are the number's
        ("PRJ-1000", "prj1000"),
        ("A-01-002", "a12"),
        ("A-010-02", "a102"),  # not A-01-002's shape: each number keeps its own digits
        ("PRJ-0001\u200b", "prj1\u200b"),  # an invisible character is not punctuation
        ("\u0420RJ-0001", "prj1"),  # the skeleton first
        ("PRJ-0O25", "prj25"),  # a letter O for a zero
        ("PRJ-OO25", "prj25"),
        ("PRJ-I025", "prj1025"),  # an I or l for a one
        ("PRJ-1l", "prj11"),
        ("1ooo5", "10005"),
        ("OPS-1", "ops1"),  # letters away from digits stay letters
        ("POOL1", "pool1"),  # and a word's letters stay, even beside a digit
        ("ROI1", "roi1"),
        ("HILL1", "hill1"),
        ("CRM-L2", "crm12"),  # a lone l beside a digit is a one
        ("POLO-1", "polo1"),
        ("PRJ-O", "prjo"),
        (None, None),
    ],
)
def test_epmo_id_shape(con, text: str | None, expected: str | None) -> None:  # type: ignore[no-untyped-def]
    assert con.sql("SELECT epmo_id_shape($v)", params={"v": text}).fetchall()[0][0] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("03/11/2025", True),
        ("03-11-2025", True),
        ("11/11/2025", False),
        ("13/03/2025", False),
        ("04.03.2027", False),  # dots: written day first wherever dots are used
        ("2025-03-11", False),
        (None, False),
    ],
)
def test_epmo_date_ambiguous(con, text: str | None, expected: bool | None) -> None:  # type: ignore[no-untyped-def]
    assert con.sql("SELECT epmo_date_ambiguous($v)", params={"v": text}).fetchall()[0][0] == expected


def test_every_confusable_maps_one_lower_case_character_to_one() -> None:
    c = sql.connect()
    try:
        rows = c.sql("SELECT ch, latin, label FROM epmo_confusables()").fetchall()
    finally:
        c.close()
    assert len({r[0] for r in rows}) == len(rows) >= 40
    for ch, latin, label in rows:
        assert len(ch) == 1 and len(latin) == 1 and label
        assert ch == ch.lower() and latin in "abcdefghijklmnopqrstuvwxyz-"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PRJ-0001", ""),
        ("PRJ-0001\u200b", "\u200b"),  # zero-width space
        ("\u202ePRJ", "\u202e"),  # right-to-left override
        ("a\u2066b\u2069", "\u2066"),  # isolates
        ("a\u00adb", "\u00ad"),  # soft hyphen
        ("a\ufeffb", "\ufeff"),
        ("a\u200dz", "\u200d"),
        ("Zoë Müller", ""),
        ("\u05e9\u05dc\u05d5\u05dd", ""),  # Hebrew letters themselves are fine
        (None, None),
    ],
)
def test_epmo_invisible_char(con, text: str | None, expected: str | None) -> None:  # type: ignore[no-untyped-def]
    got = con.sql("SELECT epmo_invisible_char($v), epmo_invisible($v)", params={"v": text}).fetchall()[0]
    assert got == (expected, None if expected is None else expected != "")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("pm@example.org", True), ("bob", False), ("a b@c.org", False), ("a@b", False), (None, None)],
)
def test_epmo_email_ok(con, text: str | None, expected: bool | None) -> None:  # type: ignore[no-untyped-def]
    assert con.sql("SELECT epmo_email_ok($v)", params={"v": text}).fetchall()[0][0] == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (dt.date(1990, 1, 1), True),
        (dt.date(2100, 12, 31), True),
        (dt.date(1989, 12, 31), False),
        (dt.date(2101, 1, 1), False),
        (dt.date(9999, 12, 31), False),
        (None, None),
    ],
)
def test_epmo_date_plausible(con, day: dt.date | None, expected: bool | None) -> None:  # type: ignore[no-untyped-def]
    assert con.sql("SELECT epmo_date_plausible($v::DATE)", params={"v": day}).fetchall()[0][0] == expected
