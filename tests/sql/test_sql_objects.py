"""One SQL object per file, named after it, created from ordered lists; and the numbers that
must agree across pages: "expected to report" (Home, the pack and decks, Data quality), the
computed RAG counts with "not judged", and the portfolio CPI with the EV and AC it divides."""

from __future__ import annotations

import re
from typing import Any

import pytest

from epmo import labels, sql, steering
from epmo.store import DERIVED, Store
from tests.conftest import DEMO_END

CREATE = re.compile(r"^CREATE OR REPLACE (?:TABLE|MACRO|VIEW) ([a-z_]+)", re.M)
CALL = re.compile(r"\b(epmo_[a-z_]+)\(")
# Scripts that are not definitions of the store's objects: the explorer's sandbox re-creates
# the as-of views under the names a user types (one statement per table, generated as one
# script on purpose), and the benchmark's bare reads.
SCRIPTS = {"explorer/as_of_views"}


def _definitions() -> list[str]:
    return [
        n
        for folder in sorted(p.name for p in sql.QUERIES_DIR.iterdir() if p.is_dir())
        for n in sql.names(folder)
        if CREATE.search(sql.query(n).text) and n not in SCRIPTS
    ]


@pytest.mark.parametrize("name", _definitions())
def test_each_definition_file_defines_one_object_named_after_it(name: str) -> None:
    objects = CREATE.findall(sql.query(name).text)
    assert objects == [name.split("/")[1]], f"{name}.sql defines {objects}"


def test_macros_are_created_from_an_ordered_list_after_the_macros_they_call() -> None:
    order = sql.macro_order()
    assert sorted(order) == sorted(n.split("/")[1] for n in sql.names("macros"))
    assert len(order) == len(set(order))
    for i, name in enumerate(order):
        body = "\n".join(
            ln for ln in sql.query(f"macros/{name}").text.splitlines() if not ln.startswith("--")
        )
        called = set(CALL.findall(body)) - {name}
        assert called <= set(order[:i]), f"{name} calls {called - set(order[:i])} before they exist"


def test_derived_objects_are_created_after_what_they_read() -> None:
    created: set[str] = set()
    defined = {n.split("/")[1] for n in DERIVED}
    for name in DERIVED:
        body = "\n".join(ln for ln in sql.query(name).text.splitlines() if not ln.startswith("--"))
        reads = {w for w in re.findall(r"\b([a-z_]+)\b", body) if w in defined and w != name.split("/")[1]}
        assert reads <= created, f"{name} reads {reads - created} before it is created"
        created.add(name.split("/")[1])


def test_the_portfolio_ratio_formula_is_written_once() -> None:
    ratio = re.compile(r"sum\([^)]*\)\s*FILTER[^/]*/\s*nullif\(sum", re.S)
    offenders = [
        n for f in ("health", "home", "project") for n in sql.names(f) if ratio.search(sql.query(n).text)
    ]
    assert offenders == []
    assert "epmo_ratio_of_sums(ev, ac)" in sql.query("health/portfolio_summary").text
    assert "epmo_ratio_of_sums(p.ev, p.ac)" in sql.query("health/headline").text


@pytest.mark.parametrize(
    ("ids", "ordered"),
    [
        (["PRJ-10", "PRJ-2", "PRJ-1"], ["PRJ-1", "PRJ-2", "PRJ-10"]),
        (["b2", "a10", "a9"], ["a9", "a10", "b2"]),
        (["X-100-2", "X-20-10", "X-20-9"], ["X-20-9", "X-20-10", "X-100-2"]),
        (["P007", "p8", "P10"], ["P007", "p8", "P10"]),
    ],
)
def test_ids_sort_naturally_in_sql_and_in_python(store: Store, ids: list[str], ordered: list[str]) -> None:
    con = store.connect()
    try:
        got = [
            r[0]
            for r in con.execute(
                "SELECT id FROM unnest($ids) AS t(id) ORDER BY epmo_natural_key(id)", {"ids": ids}
            ).fetchall()
        ]
    finally:
        con.close()
    assert got == ordered
    assert labels.natural_sorted(ids) == ordered


@pytest.fixture(scope="module")
def demo_numbers(_demo_template: Any) -> dict[str, Any]:
    from epmo import health

    st = Store(str(_demo_template))  # read only
    scope: dict[str, Any] = {"portfolios": [], "programmes": []}
    con = st.connect()
    try:
        head = sql.df(
            con, "health/headline", as_of=DEMO_END, previous=health.previous_week(DEMO_END), **scope
        )
        status = sql.df(con, "health/submission_status", as_of=DEMO_END, **scope)
        summary = sql.df(con, "health/portfolio_summary", as_of=DEMO_END, level="portfolio", **scope)
        projects = sql.df(con, "health/project_health", as_of=DEMO_END, **scope)
        fresh = steering.freshness(con, DEMO_END, scope)
    finally:
        con.close()
    return {"head": head.iloc[0], "status": status, "summary": summary, "projects": projects, "fresh": fresh}


def test_expected_to_report_is_one_number_everywhere(demo_numbers: dict[str, Any]) -> None:
    head, status, fresh = demo_numbers["head"], demo_numbers["status"], demo_numbers["fresh"]
    kinds = status["submission_status"].value_counts().to_dict()
    active = status[status["is_active"]]
    # the demo has projects of every kind, or this test proves nothing
    assert kinds.get("missing", 0) > 0 and kinds.get("not expected", 0) > 0 and head["not_expected_count"] > 0
    # Home's "Missing reports" is Data quality's "missing"; Closed projects are not in it
    assert head["stale_count"] == kinds["missing"]
    assert head["expected_count"] == len(active) == fresh["expected"]
    # reported this week: on time or late, of the expected ones (Home, the deck, Data quality)
    reported = int(active["submission_status"].isin(["on time", "late"]).sum())
    assert head["reporting_count"] == reported == fresh["reported"]
    assert head["reporting_count"] + head["stale_count"] == head["expected_count"]
    assert head["expected_count"] + head["not_expected_count"] == head["project_count"] == fresh["projects"]
    # every row's status adds up to the headline (Data quality's chart counts them all): a
    # Closed project that still reports was "on time", 33 on the chart beside 22 in the headline
    assert kinds["not expected"] == head["not_expected_count"]
    assert kinds.get("on time", 0) + kinds.get("late", 0) == head["reporting_count"]
    # what Data quality calls missing is exactly what is expected and not reported
    assert set(status.loc[status["submission_status"] == "missing", "project_id"]) == set(
        active.loc[~active["submitted_for_week"], "project_id"]
    )


def test_computed_rag_counts_add_up_with_not_judged(demo_numbers: dict[str, Any]) -> None:
    head, projects = demo_numbers["head"], demo_numbers["projects"]
    counted = sum(int(head[f"computed_{r}_count"]) for r in ("red", "amber", "green"))
    assert head["not_judged_count"] > 0
    assert counted + head["not_judged_count"] == head["project_count"]
    not_judged = projects[projects["rag_computed"].isna()]
    assert len(not_judged) == head["not_judged_count"]
    assert not_judged["rag_reasons"].str.startswith("not judged: ").all()
    by_stage = not_judged["rag_reasons"].str.startswith("not judged: stage ").sum()
    assert by_stage == head["not_judged_stage_count"] == (~not_judged["is_active"]).sum()


def test_the_portfolio_cpi_is_the_ev_and_ac_shown_beside_it(demo_numbers: dict[str, Any]) -> None:
    summary, head = demo_numbers["summary"], demo_numbers["head"]
    for row in summary.itertuples():
        assert row.cpi == pytest.approx(row.cpi_ev / row.cpi_ac)
        assert row.cpi_ev <= row.ev + 1e-6 and row.cpi_ac <= row.ac + 1e-6
    assert head["cpi"] == pytest.approx(summary["cpi_ev"].sum() / summary["cpi_ac"].sum())
    assert summary["project_count"].sum() == head["project_count"]
