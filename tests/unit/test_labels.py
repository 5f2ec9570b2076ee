"""What a person reads: every column a page's query returns has a label that is not
snake_case, values read as text (no None, no 300100.0, money in the portfolio's format),
and ids sort naturally."""

from __future__ import annotations

import ast
import datetime as dt
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from epmo import labels, measures, sql
from epmo.store import Store

D = dt.date(2026, 11, 20)
# A value of the right type for every parameter of the queries below: binding a query is
# enough to know its output columns (nothing runs, so the empty store suffices).
PARAMS: dict[str, Any] = {
    "as_of": D,
    "previous": D,
    "since": D,
    "horizon_end": D,
    "period_start": D,
    "change_from": [D],
    "weeks": [D],
    "band_limits": [50.0, 100.0],
    "band_names": ["a", "b"],
    "change_hours": [1.0],
    "scale_pcts": [1.0],
    "change_roles": ["x"],
    "change_teams": ["x"],
    "current_stages": ["x"],
    "exclude_projects": ["x"],
    "excluded_stages": ["x"],
    "files": ["x"],
    "portfolios": [],
    "programmes": [],
    "project_ids": ["x"],
    "projects": ["x"],
    "scale_projects": ["x"],
    "shift_projects": ["x"],
    "shift_weeks": [1],
    "by": "role",
    "demand": "all",
    "grain": "month",
    "kind": "x",
    "level": "portfolio",
    "name": "x",
    "no_capacity_band": "x",
    "project_id": "x",
    "resource_name": "x",
    "role": "x",
    "scope": "project",
    "sha256": "x",
    "table_name": "x",
    "team": "x",
    "upload_id": "x",
    "fte_hours_per_week": 37.5,
    "limit": 5,
    "top_n": 5,
    "window_days": 90,
}
# the folders whose queries feed pages, charts, slides and packs (exports keep machine names)
SHOWN = ("health", "home", "project", "capacity", "flow", "priority", "access")
# queries that feed other queries, never a screen
INTERNAL = {
    "flow/insert_forecasts",
    "flow/forecast_inputs",
    "flow/forecast_memo_uploads",
    "flow/backlog_weeks",
}


def _queries() -> list[str]:
    return [
        n
        for f in SHOWN
        for n in sql.names(f)
        if "CREATE OR REPLACE" not in sql.query(n).text and n not in INTERNAL
    ]


@pytest.fixture(scope="module")
def output_columns(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    store = Store(str(tmp_path_factory.mktemp("labels") / "store"))
    con = store.connect()
    try:
        out = {}
        for name in _queries():
            q = sql.query(name)
            out[name] = con.sql(q.text, params={k: PARAMS[k] for k in q.params}).columns
        return out
    finally:
        con.close()


def test_every_column_a_page_reads_has_a_label(output_columns: dict[str, list[str]]) -> None:
    assert len(output_columns) > 30
    missing = sorted(
        {f"{n}: {c}" for n, cols in output_columns.items() for c in cols if not labels.has_label(c)}
    )
    assert not missing, f"add these to epmo/labels.py LABELS (or the measure registry): {missing}"


def test_no_label_is_snake_case_or_a_raw_name(output_columns: dict[str, list[str]]) -> None:
    names = (
        {c for cols in output_columns.values() for c in cols} | set(measures.MEASURES) | set(labels.LABELS)
    )
    bad = {c: labels.label(c) for c in names if re.search(r"[a-z]_[a-z]", labels.label(c))}
    assert not bad


@pytest.mark.parametrize(
    ("name", "value", "shown"),
    [
        ("project_name", None, ""),
        ("project_name", float("nan"), ""),
        ("owner", "None", "None"),  # a person may be called that; only a missing value is blank
        ("planned_cost", 300100.0, "300K"),  # money in the portfolio's format
        ("eac_change", -3800.0, "-3.8K"),
        ("probability", 4.0, "4"),
        ("share_pct", 12.345, "12.35"),
        ("bac", 1_234_567.0, "1.23M"),
        ("bac", 300_100.0, "300K"),
        ("cpi", 0.8912, "0.89"),
        ("demand_hours", 1234.4, "1,234 h"),
        ("utilisation_pct", 87.6, "88 %"),
        ("start_date", dt.date(2026, 11, 2), "02 Nov 2026"),
        ("is_key", True, "yes"),
        ("project_count", 492, "492"),
    ],
)
def test_values_read_as_text(name: str, value: Any, shown: str) -> None:
    assert labels.text(name, value) == shown


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("project_id", "Project"),
        ("rag_computed", "Computed RAG"),
        ("stale_count", "Missing reports"),
        ("on_time_count", "On time"),  # the data quality page's project-manager table
        ("max_weeks_stale", "Longest gap (weeks)"),
        ("cpi_ev", "EV in CPI"),
        ("some_new_id", "Some new ID"),  # the fallback still reads as words
        ("moscow", "MoSCoW"),  # the Ranking and Selection pages, the deck's Ranking slide
        ("is_feasible", "Feasible"),  # the efficient frontier's table
    ],
)
def test_labels(name: str, label: str) -> None:
    assert labels.label(name) == label


def test_display_frame_labels_and_formats() -> None:
    import pandas as pd

    frame = pd.DataFrame({"project_id": ["P-10", "P-2"], "bac": [2_500_000.0, None], "owner": [None, "Ann"]})
    shown = labels.display_frame(frame)
    assert list(shown.columns) == ["Project", "BAC", "Owner"]
    assert shown.to_dict("list") == {"Project": ["P-10", "P-2"], "BAC": ["2.50M", ""], "Owner": ["", "Ann"]}


# Columns of frames the pages build in Python (not from a query) and show with ui.table.
PAGE_FRAME_COLUMNS = {
    "access_admin.py (access list)": ["email", "role", "portfolios", "teams", "granted_at", "granted_by"],
    "reminders.py": ["project_manager", "mailto", "projects_missing", "project_ids", "oldest_report"],
    "upload.py / mapper.py (issues)": [
        "severity",
        "file",
        "sheet",
        "row",
        "column",
        "cell",
        "value",
        "problem",
    ],
    "upload.py (rules)": ["rule", "severity", "checks"],
    "my_projects.py": ["rag_reasons", "table_name", "reported_week", "weeks_stale", "confirmed_unchanged"],
    "explorer.py (schema)": ["object_group", "column_name", "data_type"],
    "_steering.py (decisions)": ["decision_date", "decision", "rationale", "based_on_as_of_date", "version"],
    "priority_models.py (versions)": ["name", "version", "saved_at", "saved_by", "spec"],
}


@pytest.mark.parametrize("where", sorted(PAGE_FRAME_COLUMNS))
def test_columns_of_frames_built_in_pages_have_labels(where: str) -> None:
    missing = [c for c in PAGE_FRAME_COLUMNS[where] if not labels.has_label(c)]
    assert not missing, f"{where}: add labels for {missing} to epmo/labels.py"


PAGES = Path(__file__).resolve().parents[2] / "app_pages"
# A page shows a table through ui.table (app_pages/_shared.py); these calls show raw names on purpose.
RAW_TABLES = {
    ("_shared.py", "table"): "the helper itself",
    ("mapper.py", "mapper_preview"): "the rows as they would be stored, in the contract's names (says so)",
    ("explorer.py", "explorer_table"): "the person's own SQL result: its columns are the names they wrote",
}


def _dataframe_calls(source: str) -> list[str]:
    """The key (or enclosing function name) of each direct st.dataframe call in a module."""
    found = []

    def visit(node: ast.AST, scope: str) -> None:
        for child in ast.iter_child_nodes(node):
            inner = child.name if isinstance(child, ast.FunctionDef) else scope
            if (
                isinstance(child, ast.Call)
                and isinstance(child.func, ast.Attribute)
                and child.func.attr == "dataframe"
                and isinstance(child.func.value, ast.Name)
                and child.func.value.id == "st"
            ):
                keys = [
                    k.value.value
                    for k in child.keywords
                    if k.arg == "key" and isinstance(k.value, ast.Constant)
                ]
                found.append(str(keys[0]) if keys else scope)
            visit(child, inner)

    visit(ast.parse(source), "<module>")
    return found


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import streamlit as st\nst.dataframe(f, key='t')\n", ["t"]),
        ("def show(f):\n    st.dataframe(f)\n", ["show"]),
        ("ui.table(f, key='t')\n", []),
    ],
)
def test_the_dataframe_check_sees_a_direct_call(source: str, expected: list[str]) -> None:
    assert _dataframe_calls(source) == expected


@pytest.mark.parametrize("page", sorted(PAGES.glob("*.py")), ids=lambda p: p.name)
def test_pages_show_tables_through_ui_table(page: Path) -> None:
    calls = [(page.name, k) for k in _dataframe_calls(page.read_text())]
    raw = [c for c in calls if c not in RAW_TABLES]
    assert not raw, f"use ui.table (labels, blanks, money format) or allow-list with a reason: {raw}"


def test_every_change_kind_of_the_query_reads_as_words() -> None:
    """health/changes.sql lists its change_type codes in its header; each has words, and
    nothing else does (a new kind fails here until it is labelled)."""
    import re

    from epmo import sql

    header = sql.query("health/changes").text.split("WITH", 1)[0]
    listed = re.search(r"change_type is one of:(.*?)\. change_amount", header, re.S)
    assert listed is not None
    codes = {c.strip(" -\n") for c in listed.group(1).replace("\n--", " ").split(",")}
    assert codes == set(labels.VALUE_LABELS["change_type"])
    for code in codes:
        words = labels.text("change_type", code)
        assert words and "_" not in words and words != code


@pytest.mark.parametrize(
    ("name", "value", "shown"),
    [
        ("change_type", "rag_computed", "Computed RAG"),
        ("change_type", "stopped_reporting", "Stopped reporting"),
        ("field", "as_of_date", "Week reported"),
        ("field", "Go-live gate", "Go-live gate"),  # a milestone's own name, as it is
        ("field", "actual_cost", "Actual cost"),  # a contract column (the Upload page's changes)
        ("field", "percent_complete", "% complete"),
        ("field", None, ""),
        ("table_name", "work_items", "Work items"),  # My projects' "My tables" read work_items
        ("table_name", "allocations", "Allocations (demand)"),
        ("model_type", "wsjf", "WSJF"),
        ("direction", "higher", "Higher values"),
        ("normalisation", "minmax", "Min–max (0 to 1)"),
        ("basis", "bac", "Budget at completion (BAC)"),
        ("basis", "remaining", "Remaining cost (EAC − AC)"),
        ("kind", "dependency", "Dependency"),
        ("constraint", "budget", "Budget"),
        ("constraint", "PRJ-1 depends on PRJ-2", "PRJ-1 depends on PRJ-2"),
    ],
)
def test_codes_read_as_words(name: str, value: object, shown: str) -> None:
    assert labels.text(name, value) == shown


@pytest.mark.parametrize(
    ("n", "noun", "plural", "said"),
    [
        (0, "project", None, "0 projects"),
        (1, "project", None, "1 project"),
        (2, "warning", None, "2 warnings"),
        (1_234, "error", None, "1,234 errors"),
        (1, "entry", "entries", "1 entry"),
        (3, "entry", "entries", "3 entries"),
    ],
)
def test_count_puts_the_noun_in_the_right_number(n: int, noun: str, plural: str | None, said: str) -> None:
    assert labels.count(n, noun, plural) == said


def test_every_contract_table_reads_as_words() -> None:
    """Each contract table has a title of its own (the Tables page and My projects), never
    its snake_case name."""
    from epmo import contract

    titles = labels.VALUE_LABELS["table_name"]
    assert set(titles) == {t.name for t in contract.TABLES}
    assert all("_" not in title for title in titles.values())


@pytest.mark.parametrize(
    ("kind", "field", "before", "after", "amount", "shown"),
    [
        ("budget", "budget_bac", "300100.0", "303600.0", 3500.0, ("", "300K", "304K", "+3.5K")),
        ("eac", "eac", "1000000.0", "950000.0", -50000.0, ("", "1.00M", "950K", "-50K")),
        (
            "forecast_end",
            "forecast_end_date",
            "2027-04-12",
            "2027-04-27",
            15.0,
            ("", "12 Apr 2027", "27 Apr 2027", "+15 days"),
        ),
        (
            "milestone",
            "Go-live",
            "2026-12-11",
            "2026-12-10",
            -1.0,
            ("Go-live", "11 Dec 2026", "10 Dec 2026", "-1 day"),
        ),
        ("rag_declared", "rag_overall", "Green", "Red", 2.0, ("", "Green", "Red", "2 steps worse")),
        ("rag_computed", "rag_computed", "Red", "Amber", -1.0, ("", "Red", "Amber", "1 step better")),
        ("rag_computed", "rag_computed", None, "Green", None, ("", "not judged", "Green", "")),
        (
            "stopped_reporting",
            "as_of_date",
            "2026-11-13",
            "2026-11-13",
            None,
            ("Week reported", "13 Nov 2026", "nothing since 13 Nov 2026", ""),
        ),
        ("new_project", "project", None, "2027-01-01 plan", None, ("", "", "2027-01-01 plan", "")),
        ("risk_opened", "eac", "Closed", "Open", None, ("eac", "Closed", "Open", "")),  # a risk called eac
    ],
)
def test_changes_read_as_dates_money_and_units(
    kind: str, field: str, before: str | None, after: str | None, amount: float | None, shown: tuple[str, ...]
) -> None:
    """health/changes on screen: Before/After read "300100.0 -> 303600.0" and "2027-04-12",
    the amount had no unit, and Field repeated the kind of change."""
    frame = pd.DataFrame(
        {
            "change_type": [kind],
            "field": [field],
            "before_value": [before],
            "after_value": [after],
            "change_amount": [amount],
        }
    )
    kept = frame.copy()
    out = labels.changes_text(frame)
    assert tuple(out.iloc[0][["field", "before_value", "after_value", "change_amount"]]) == shown
    pd.testing.assert_frame_equal(frame, kept)  # the downloads' frame keeps the query's values


@pytest.mark.parametrize(
    ("name", "value", "shown"),
    [
        ("event_at", pd.Timestamp("2026-11-30 13:45:20.894310", tz="UTC"), "30 Nov 2026 13:45 UTC"),
        ("committed_at", pd.Timestamp("2026-11-30 14:45:00", tz="Europe/Paris"), "30 Nov 2026 13:45 UTC"),
        (
            "committed_at",
            dt.datetime(2026, 11, 30, 0, 0),
            "30 Nov 2026 00:00 UTC",
        ),  # the store's moments are UTC
        ("committed_at", pd.NaT, ""),
        ("as_of_date", pd.Timestamp("2026-11-27"), "27 Nov 2026"),  # a date, not a moment
    ],
)
def test_moments_read_as_day_time_and_zone(name: str, value: object, shown: str) -> None:
    """Submissions read "Committed at 2026-11-30 00:00:00+00:00"; a moment is day, time, UTC."""
    assert labels.text(name, value) == shown


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (
            '{"as_of_date": "2025-12-05", "file_name": "w.xlsx", "row_counts": "{\\"projects\\": 5, \\"raid\\": 4}"}',
            "Report for week: 05 Dec 2025 · File name: w.xlsx · Row counts: projects 5, raid 4",
        ),
        (
            '{"email": "a@b.org", "portfolios": ["X", "Y"], "teams": []}',
            "Email: a@b.org · Portfolios: X, Y · Teams: ",
        ),
        (
            '{"note": "[x](https://evil.example) <b>"}',
            "Note: [x](https://evil.example) <b>",
        ),  # text, as it is
        ("not json", "not json"),
        ("{}", "{}"),
        ("[1, 2]", "[1, 2]"),
    ],
)
def test_the_audit_detail_reads_as_pairs(value: str, shown: str) -> None:
    """Audit's Detail showed the raw JSON object."""
    assert labels.text("detail", value) == shown


@pytest.mark.parametrize(
    ("name", "codes"),
    [
        ("model_type", "TYPES"),
        ("direction", "DIRECTIONS"),
        ("normalisation", "NORMALISATIONS"),
    ],
)
def test_every_scoring_model_code_reads_as_words(name: str, codes: str) -> None:
    """Each code a scoring model may hold (epmo/priority/models.py) has words: a new one
    fails here until it is labelled."""
    from epmo.priority import models

    for code in getattr(models, codes):
        words = labels.text(name, code)
        assert words != code and "_" not in words and words[:1].isupper(), (name, code)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.7026315789473684, "0.7026"),
        (4.65, "4.65"),
        (58.0, "58"),
        (620_000.0, "620,000"),  # it read "6.2e+05" on the selection page
        (1_234_567.0, "1,235,000"),
        (1234.5, "1,235"),  # half up, as the charts' d3
        (1.5e300, "1,500," + ",".join(["000"] * 99)),  # written out, no float noise
        (-12.5, "-12.5"),
        (0.0, "0"),
        (None, ""),
        (float("nan"), ""),
    ],
)
def test_significant_never_writes_an_exponent(value: object, text: str) -> None:
    assert labels.significant(value) == text


@pytest.mark.parametrize(
    ("detail", "text"),
    [
        ('{"as_of_date": "2026-06-05", "bytes": 474}', "Report for week: 05 Jun 2026 · Bytes: 474"),
        ('{"decision_date": "2026-12-09"}', "Decided: 09 Dec 2026"),
        ('{"note": "2026-13-45"}', "Note: 2026-13-45"),  # not a day: as written
        ('{"note": "see 2026-06-05"}', "Note: see 2026-06-05"),
    ],
)
def test_an_audit_detail_s_days_read_as_the_app_writes_days(detail: str, text: str) -> None:
    """The audit trail's detail showed "Report for week: 2026-06-05" where every other page
    writes 05 Jun 2026."""
    assert labels.json_text(detail) == text
