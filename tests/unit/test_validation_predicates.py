"""The validation fast path (validate._suspect_expr) and the checks in queries/checks/ call
the same predicate macro on the same typed value: no rule is re-implemented in Python
(issue 18). Behaviour is compared end to end in tests/sql/test_checks_staging.py."""

from __future__ import annotations

import pytest

from epmo import contract, sql, validate

# (check, predicate as the check calls it on a cell, column type, the typed value's macro)
CASES = [
    ("formula_in_cell", "epmo_formula(epmo_text(c.raw))", contract.TEXT, "epmo_formula"),
    ("email_malformed", "epmo_email_ok(epmo_text(c.raw))", contract.EMAIL, "epmo_email_ok"),
    (
        "date_out_of_range",
        "epmo_date_plausible(epmo_date(c.raw, c._dayfirst))",
        contract.DATE,
        "epmo_date_plausible",
    ),
    ("date_ambiguous", "epmo_date_ambiguous(c.raw)", contract.DATE, "epmo_date_ambiguous"),
]


@pytest.mark.parametrize(("check", "call", "ctype", "macro"), CASES, ids=[c[0] for c in CASES])
def test_fast_path_uses_the_checks_predicate(check: str, call: str, ctype: str, macro: str) -> None:
    text = sql.query(f"checks/{check}").text
    assert call in text
    t = contract.table("projects")
    col = next(c for c in t.columns if c.type == ctype)
    expr = validate._suspect_expr(t, col, "RAW", "V")
    wanted = f"{macro}(RAW)" if call.endswith("(c.raw)") else f"{macro}(V)"
    assert wanted in expr, expr
    # the typed value V is the same macro the check applies to the raw cell
    typed = validate._typed_expr(t, col, "RAW")
    inner = call[len(macro) + 1 : -1]
    if inner != "c.raw":
        assert typed == inner.replace("c.raw", "RAW").replace("c._dayfirst", "_dayfirst")
    # no literal date bound or email pattern in the Python fast path
    source = validate.__file__
    body = open(source, encoding="utf-8").read()
    assert "1990" not in body and "2100" not in body and "[^@" not in body
