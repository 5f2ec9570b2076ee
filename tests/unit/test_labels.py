"""What a person reads: every column a page's query returns has a label that is not
snake_case, values read as text (no None, no 300100.0, money in the portfolio's format),
and ids sort naturally."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

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
SHOWN = ("health", "home", "project", "capacity", "flow", "priority")
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
        ("planned_cost", 300100.0, "300,100"),
        ("probability", 4.0, "4"),
        ("share_pct", 12.345, "12.35"),
        ("bac", 1_234_567.0, "1.23 M"),
        ("bac", 300_100.0, "300 k"),
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
        ("cpi_ev", "EV in CPI"),
        ("some_new_id", "Some new ID"),  # the fallback still reads as words
    ],
)
def test_labels(name: str, label: str) -> None:
    assert labels.label(name) == label


def test_display_frame_labels_and_formats() -> None:
    import pandas as pd

    frame = pd.DataFrame({"project_id": ["P-10", "P-2"], "bac": [2_500_000.0, None], "owner": [None, "Ann"]})
    shown = labels.display_frame(frame)
    assert list(shown.columns) == ["Project", "BAC", "Owner"]
    assert shown.to_dict("list") == {"Project": ["P-10", "P-2"], "BAC": ["2.50 M", ""], "Owner": ["", "Ann"]}
