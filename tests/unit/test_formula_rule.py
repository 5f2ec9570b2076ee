"""One rule for "a spreadsheet would run this as a formula": the SQL macro epmo_formula
(upload check formula_in_cell and the validation fast path) and the export neutraliser
(epmo.export.is_formula) give the same answer on a table of cases and on every short
string over the characters that matter."""

from __future__ import annotations

import itertools

import pytest

from epmo import sql
from epmo.export import is_formula, neutralise

CASES = [
    # (text, is a formula)
    ('=HYPERLINK("http://evil.example","x")', True),
    ('=+HYPERLINK("http://evil.example","x")', True),
    ("-2+3+cmd|' /C calc'!A0", True),
    ("+cmd|' /C calc'!A0", True),
    ("@SUM(1,2)", True),
    ("   =1+1", True),  # after leading spaces
    (" @SUM(A1)", True),
    ("\t=1", True),
    ("\tplain", True),
    ("\rplain", True),
    ("=", True),
    ("=1", True),
    ("-x", True),
    ("+A1", True),
    ("-1+2", True),  # "+" only as the leading sign
    ("-1e3", True),  # letters: not a plain number here
    ("-1200", False),
    ("-1,200.50", False),
    ("+44 20 7946 0958", False),
    ("+1 (555) 010-0199", False),
    ("-5%", False),
    ("-", False),  # a dash as "nothing": no formula to run
    ("--", False),
    ("  -12  ", False),
    ("plain", False),
    ("a=b", False),
    ("email@example.org", False),
    ("", False),
    ("2026-01-05", False),
]


def _sql_answers(values: list[str]) -> list[bool]:
    con = sql.connect()
    try:
        rows = con.execute(
            "SELECT coalesce(epmo_formula(v), FALSE) FROM unnest($values) WITH ORDINALITY AS t(v, i) ORDER BY i",
            {"values": values},
        ).fetchall()
    finally:
        con.close()
    return [r[0] for r in rows]


def test_the_table_of_cases() -> None:
    values = [c[0] for c in CASES]
    expected = [c[1] for c in CASES]
    assert _sql_answers(values) == expected
    assert [is_formula(v) for v in values] == expected


def test_sql_and_python_agree_on_every_short_string() -> None:
    alphabet = [" ", "=", "+", "-", "@", "\t", "\r", "1", "a", ".", "(", "|", "%"]
    values = ["".join(p) for n in range(1, 4) for p in itertools.product(alphabet, repeat=n)]
    assert len(values) > 2000
    python = [is_formula(v) for v in values]
    assert _sql_answers(values) == python
    assert any(python) and not all(python)


@pytest.mark.parametrize(("text", "formula"), CASES)
def test_export_prefixes_exactly_the_formulas(text: str, formula: bool) -> None:
    import pandas as pd

    out = neutralise(pd.DataFrame({"t": [text], "n": [-5]}))
    assert out["t"].iloc[0] == ("'" + text if formula else text)
    assert out["n"].iloc[0] == -5


@pytest.mark.parametrize(
    "cell",
    [
        "Alpha\r=cmd|' /C calc'!A0",
        "Alpha\n=cmd|' /C calc'!A0",
        "Alpha\r\n@SUM(1+1)*cmd|' /C calc'!A0",
        "a,b\r+1",
    ],
)
def test_a_csv_download_keeps_a_cell_with_a_line_break_in_one_cell(cell: str) -> None:
    """A bare CR inside a cell was written unquoted: a spreadsheet (and pandas) split the
    row there, and the part after it, `=cmd...`, became a cell of its own, a formula."""
    import csv
    import io

    import pandas as pd

    from epmo.export import to_csv_bytes

    data = to_csv_bytes(pd.DataFrame({"project_id": ["PRJ-1"], "project_name": [cell], "bac": [100]}))
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    assert rows == [["project_id", "project_name", "bac"], ["PRJ-1", cell, "100"]], data
    back = pd.read_csv(io.BytesIO(data))
    assert back["project_name"].tolist() == [cell] and back["bac"].tolist() == [100]


@pytest.mark.parametrize(
    ("portfolios", "programmes", "expected"),
    [
        ((), (), "rag_matrix_2026-11-27"),
        (("Corporate Systems",), (), "rag_matrix_2026-11-27_portfolio-Corporate-Systems"),
        (("A", "B/C"), ("../etc/passwd",), "rag_matrix_2026-11-27_portfolio-A+B-C_programme-etc-passwd"),
        (("=cmd|' /C calc'!A0",), (), "rag_matrix_2026-11-27_portfolio-cmd-C-calc-A0"),
        (("€€€",), (), "rag_matrix_2026-11-27_portfolio-x"),
    ],
)
def test_a_download_s_name_says_its_filters(
    portfolios: tuple[str, ...], programmes: tuple[str, ...], expected: str
) -> None:
    """A download of a filtered page did not say it was filtered: a portfolio's table read
    later passed for the whole portfolio's."""
    from epmo.export import file_stem

    assert file_stem("rag_matrix_2026-11-27", portfolios, programmes) == expected
    assert len(file_stem("s", ("x" * 300,) * 5)) <= 120
