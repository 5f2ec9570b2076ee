"""Flow measures (queries/flow/) against a hand-worked example, and against the cycle times
the Atlassian CRA/CLOV export carries (its own CycleTime column).

The example, as of Friday 2026-11-20 with a 14-day window (2026-11-07..2026-11-20; days
count inclusively, so an item started and done the same day took 1 day):

P1 (team A)      created  started  done     cycle  lead   age
  A-1 Story      11-01    11-09    11-12    4      12
  A-2 Story      11-02    11-04    11-19    16     18            started before the window
  A-3 Bug        11-05    11-16    11-16    1      12
  A-4 Story      10-01    10-05    10-20    (done before the window)
  A-5 Story      11-03    11-13    -                      8
  A-6 Blocked    10-20    11-02    -                      19
  A-7 Story      11-18    -        -        (to do)
  A-E Epic       10-01    10-02    -        (a container: not counted)
P2 (team B)
  B-1 Task       11-10    -        11-17    -      8            no start date
  B-2 Task       11-12    -        -        (in progress, no start date: age blank)

P1: throughput 2 (week to 11-20: A-2, A-3) and 1 (week to 11-13: A-1), 1.5 a week; cycle
times [1, 4, 16]: nearest-rank P50 4, P85 16, P95 16, mean 7; lead [12, 12, 18]: P50 12,
P85 18; WIP 2, age P50 8, P85 19, oldest 19. Days in progress within the window
(inclusive): A-1 4, A-2 13, A-3 1, A-5 8, A-6 14 = 40, so average WIP 40/14; throughput
3/14 a day; Little's law cycle time (40/14)/(3/14) = 13.33 days; mean / that = 7 / 13.33
= 0.525. Done in the window and started in it: A-1, A-3 of 3 = 66.7 %.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from epmo import memo as memos
from epmo.importers import import_work_items
from epmo.store import Store
from epmo.workflow import Workflow
from tests.conftest import project, upload_tables

WEEK = dt.date(2026, 11, 20)
FIX = Path(__file__).resolve().parents[1] / "fixtures"
SHARED = [Path(__file__).resolve().parents[k] / "shared/reference-data/foreign/jira" for k in (3, 4)]
CRA_FILES = [p / "jira-metrics-extract-atlassian-cra-stages.csv" for p in SHARED]


def wi(
    pid: str, key: str, kind: str, status: str, cat: str, created: str, started: str, done: str, team: str
) -> dict[str, object]:
    return {
        "project_id": pid,
        "item_key": key,
        "item_type": kind,
        "title": f"{key} <b>title</b>",
        "team": team,
        "status": status,
        "status_category": cat,
        "created_date": created and f"2026-{created}",
        "started_date": started and f"2026-{started}",
        "done_date": done and f"2026-{done}",
    }


ITEMS = [
    wi("P1", "A-1", "Story", "Done", "Done", "11-01", "11-09", "11-12", "A"),
    wi("P1", "A-2", "Story", "Done", "Done", "11-02", "11-04", "11-19", "A"),
    wi("P1", "A-3", "Bug", "Done", "Done", "11-05", "11-16", "11-16", "A"),
    wi("P1", "A-4", "Story", "Done", "Done", "10-01", "10-05", "10-20", "A"),
    wi("P1", "A-5", "Story", "In Progress", "In Progress", "11-03", "11-13", "", "A"),
    wi("P1", "A-6", "Story", "Blocked", "In Progress", "10-20", "11-02", "", "A"),
    wi("P1", "A-7", "Story", "To Do", "To Do", "11-18", "", "", "A"),
    wi("P1", "A-E", "Epic", "In Progress", "In Progress", "10-01", "10-02", "", "A"),
    wi("P2", "B-1", "Task", "Done", "Done", "11-10", "", "11-17", "B"),
    wi("P2", "B-2", "Task", "In Progress", "In Progress", "11-12", "", "", "B"),
]


@pytest.fixture(scope="module")
def flow_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    s = Store(str(tmp_path_factory.mktemp("flow") / "store"))
    s.ensure()
    upload_tables(
        s,
        WEEK,
        projects=[project("P1", portfolio="Digital"), project("P2", portfolio="Digital")],
        work_items=ITEMS,
    )
    return s


def q(store: Store, name: str, by: str = "project", scope: str = "", window: int = 14) -> pd.DataFrame:
    return store.frame(
        f"flow/{name}", as_of=WEEK, by=by, scope=scope, window_days=window, portfolios=[], programmes=[]
    )


def test_summary_per_project_matches_the_worked_example(flow_store: Store) -> None:
    s = q(flow_store, "summary").set_index("scope")
    p1 = s.loc["P1"]
    expected = {
        "items": 7,
        "to_do": 1,
        "wip": 2,
        "done": 4,
        "done_in_window": 3,
        "throughput_per_week": 1.5,
        "cycle_time_p50": 4,
        "cycle_time_p85": 16,
        "cycle_time_p95": 16,
        "mean_cycle_time_days": 7.0,
        "lead_time_p50": 12,
        "lead_time_p85": 18,
        "lead_time_p95": 18,
        "age_p50": 8,
        "age_p85": 19,
        "oldest_age_days": 19,
    }
    for k, v in expected.items():
        assert p1[k] == pytest.approx(v), k
    assert p1["avg_wip"] == pytest.approx(40 / 14)
    assert p1["littles_law_cycle_days"] == pytest.approx(40 / 3)
    assert p1["littles_law_ratio"] == pytest.approx(7 / (40 / 3))
    assert p1["started_in_window_pct"] == pytest.approx(200 / 3)
    assert p1["flow_notes"] == ""
    p2 = s.loc["P2"]
    assert (p2["wip"], p2["done_in_window"], p2["lead_time_p50"]) == (1, 1, 8)
    for blank in ("cycle_time_p50", "age_p50", "littles_law_cycle_days", "started_in_window_pct"):
        assert pd.isna(p2[blank]), blank
    assert "cycle time blank: no item done in the window has a start date" in p2["flow_notes"]
    assert "age blank: no item in progress has a start date" in p2["flow_notes"]


@pytest.mark.parametrize(
    ("by", "scope", "done_in_window", "per_week", "wip"),
    [
        ("team", "A", 3, 1.5, 2),
        ("team", "B", 1, 0.5, 1),
        ("portfolio", "Digital", 4, 2.0, 3),
        ("all", "All projects", 4, 2.0, 3),
    ],
)
def test_summary_per_team_and_portfolio(
    flow_store: Store, by: str, scope: str, done_in_window: int, per_week: float, wip: int
) -> None:
    row = q(flow_store, "summary", by=by, scope=scope).iloc[0]
    assert (row["scope"], row["done_in_window"], row["throughput_per_week"], row["wip"]) == (
        scope,
        done_in_window,
        per_week,
        wip,
    )


def test_sidebar_filters_apply(flow_store: Store) -> None:
    only = flow_store.frame(
        "flow/summary",
        as_of=WEEK,
        by="all",
        scope="",
        window_days=14,
        portfolios=["Elsewhere"],
        programmes=[],
    )
    assert only.empty


def test_throughput_per_week(flow_store: Store) -> None:
    t = q(flow_store, "throughput", scope="P1")
    assert list(zip(t["week_end"].astype(str).str[:10], t["items_done"], strict=True)) == [
        ("2026-11-13", 1),
        ("2026-11-20", 2),
    ]
    empty = q(flow_store, "throughput", scope="P2", window=28)
    assert list(empty["items_done"]) == [0, 0, 0, 1]  # weeks with nothing done are 0, not missing


def test_cycle_times_and_percentile_lines(flow_store: Store) -> None:
    c = q(flow_store, "cycle_times", scope="P1")
    assert list(zip(c["item_key"], c["cycle_time_days"], strict=True)) == [
        ("A-1", 4),
        ("A-3", 1),
        ("A-2", 16),
    ]
    assert set(c["cycle_time_p85"]) == {16} and set(c["cycle_time_p50"]) == {4}
    assert c["title"].iloc[0] == "A-1 <b>title</b>"  # text as uploaded; escaping is the page's job


def test_wip_age(flow_store: Store) -> None:
    a = q(flow_store, "wip_age")
    rows = list(zip(a["item_key"], a["age_days"], a["is_older_than_p85"], strict=True))
    assert rows[:2] == [("A-6", 19, True), ("A-5", 8, False)]
    assert rows[2][0] == "B-2" and pd.isna(rows[2][1])
    assert "A-E" not in set(a["item_key"])  # epics are not items of flow


@pytest.mark.parametrize(
    ("day", "to_do", "in_progress", "done"),
    [("2026-11-07", 3, 2, 1), ("2026-11-12", 2, 2, 2), ("2026-11-20", 1, 2, 4)],
)
def test_cumulative_flow(flow_store: Store, day: str, to_do: int, in_progress: int, done: int) -> None:
    cfd = q(flow_store, "cumulative_flow", scope="P1")
    assert len(cfd) == 14 * 3
    on = cfd[cfd["day"].astype(str).str[:10] == day].set_index("status_category")["items"]
    assert (on["To Do"], on["In Progress"], on["Done"]) == (to_do, in_progress, done)


def _cra_bytes() -> tuple[bytes, bool]:
    for path in CRA_FILES:
        if path.is_file():
            return path.read_bytes(), True
    return (FIX / "cra_stages_sample.csv").read_bytes(), False


def test_cycle_times_match_the_cra_exports_own(tmp_path: Path) -> None:
    """The CRA/CLOV file's CycleTime is done minus committed, from timestamps; ours counts
    calendar days inclusively, so the file's days lie strictly between ours - 2 and ours.
    Runs on the real file when ../shared is present, else on its six-row fixture."""
    data, real = _cra_bytes()
    wf = Workflow(
        statuses=["Open", "Analysis", "Committed", "Develop", "Done"],
        started="Committed",
        done="Done",
        project_keys={"CRA": "P1", "CLOV": "P1"},
    )
    imported = import_work_items("cra.csv", data, wf)
    store = Store(str(tmp_path / "s"))
    store.ensure()
    upload_tables(store, dt.date(2017, 7, 14), projects=[project("P1")])
    from epmo.ingest import ACCEPTED, ingest

    out = ingest(store, "work_items.csv", imported.to_csv(), as_of=dt.date(2017, 7, 14))
    assert out.status == ACCEPTED, out.report.to_text(limit=5)
    ours = store.frame(
        "flow/cycle_times",
        as_of=dt.date(2017, 7, 14),
        by="project",
        scope="P1",
        window_days=4000,
        portfolios=[],
        programmes=[],
    )
    theirs = pd.read_csv(pd.io.common.BytesIO(data))
    theirs = theirs[theirs["CycleTime"].notna()]
    file_days = dict(
        zip(theirs["ID"], pd.to_timedelta(theirs["CycleTime"]).dt.total_seconds() / 86400, strict=True)
    )
    got = dict(zip(ours["item_key"], ours["cycle_time_days"], strict=True))
    assert len(file_days) == (59 if real else 6)
    for key, days in file_days.items():
        assert got[key] - 2 < days < got[key], key
    p85_theirs = pd.Series(list(file_days.values())).quantile(0.85, interpolation="higher")
    cra = ours[ours["item_key"].isin(list(file_days))]["cycle_time_days"]
    assert abs(cra.quantile(0.85, interpolation="higher") - p85_theirs) < 2


def test_the_flow_facts_memo_is_its_definition(flow_store: Store) -> None:
    """flow_facts_memo (the counted items joined to their projects, kept per week and
    connection) returns what the definition computes, and refuses a week not prepared."""
    import duckdb

    con = flow_store.connect()
    try:
        memo_text = "SELECT * FROM flow_facts_memo(CAST($w AS DATE))"
        with pytest.raises(duckdb.InvalidInputException, match="was not prepared"):
            con.execute(memo_text, {"w": WEEK}).fetchall()
        memos.prepare(con, "flow_items", [WEEK])
        memos.prepare(con, "flow_items", [WEEK])  # a second time: nothing is added
        memo = sorted(con.execute(memo_text, {"w": WEEK}).fetchall(), key=repr)
        computed = sorted(
            con.execute(
                "SELECT p.project_name, p.portfolio, p.programme, i.* FROM flow_items(CAST($w AS DATE)) AS i "
                "LEFT JOIN projects_as_of(CAST($w AS DATE)) AS p ON p.project_id = i.project_id "
                "WHERE i.is_counted",
                {"w": WEEK},
            ).fetchall(),
            key=repr,
        )
        assert memo == computed and len(memo) == 9  # the ten items less the epic
        assert {r[1] for r in memo} == {"Digital"}  # the portfolio, joined
    finally:
        con.close()


@pytest.mark.parametrize(
    ("weeks_later", "note"),
    [
        (0, None),
        (1, "backlog last reported 1 week before the as-of week"),
        (3, "backlog last reported 3 weeks before the as-of week"),
    ],
)
def test_summary_says_how_old_the_backlog_is(flow_store: Store, weeks_later: int, note: str | None) -> None:
    s = flow_store.frame(
        "flow/summary",
        as_of=WEEK + dt.timedelta(weeks=weeks_later),
        by="project",
        scope="",
        window_days=14,
        portfolios=[],
        programmes=[],
    ).set_index("scope")
    notes = s.loc["P1", "flow_notes"]
    if note is None:
        assert "backlog last reported" not in notes
    else:
        assert note in notes


@pytest.mark.parametrize(
    ("as_of_weeks", "p1_again", "note"),
    [
        (2, True, None),  # both reported for the as-of week
        (
            2,
            False,
            "backlog of 1 of 2 projects last reported before the as-of week (the oldest 2 weeks before)",
        ),
        (
            3,
            False,
            "backlog of 2 of 2 projects last reported before the as-of week (the oldest 3 weeks before)",
        ),
    ],
)
def test_a_scope_of_several_projects_says_how_many_backlogs_are_old(
    tmp_path: Path, as_of_weeks: int, p1_again: bool, note: str | None
) -> None:
    """A portfolio's note counts the projects whose backlog is older than the as-of week and
    gives the oldest, instead of the oldest alone as if it were the whole portfolio's. Both
    report for WEEK, P2 again two weeks later (P1 too when `p1_again`)."""
    s = Store(str(tmp_path / "store"))
    s.ensure()
    upload_tables(
        s,
        WEEK,
        projects=[project("P1", portfolio="Digital"), project("P2", portfolio="Digital")],
        work_items=ITEMS,
    )
    later = WEEK + dt.timedelta(weeks=2)
    for pid in ("P1", "P2") if p1_again else ("P2",):
        items = [i for i in ITEMS if i["project_id"] == pid]
        upload_tables(s, later, projects=[project(pid, portfolio="Digital")], work_items=items)
    frame = s.frame(
        "flow/summary",
        as_of=WEEK + dt.timedelta(weeks=as_of_weeks),
        by="portfolio",
        scope="",
        window_days=14,
        portfolios=[],
        programmes=[],
    ).set_index("scope")
    notes = frame.loc["Digital", "flow_notes"]
    if note is None:
        assert "backlog" not in notes
    else:
        assert note in notes
        assert "backlog last reported" not in notes  # not the oldest alone


def test_a_confirmed_backlog_counts_its_project_once(tmp_path: Path) -> None:
    """A "no change this week" confirmation carries a backlog upload to the next week. Its forecast was kept
    per upload and joined per upload, so the project got one forecast for each week the
    upload was in force and came out twice in project_health: Home and the deck counted
    496 projects of 492 after two pms confirmed."""
    from epmo import access, sandbox, weekly
    from tests.conftest import person

    s = Store(str(tmp_path / "store"))
    s.ensure()
    upload_tables(
        s,
        WEEK,
        projects=[
            project("P1", portfolio="Digital", delivery_method="Agile"),
            project("P2", portfolio="Digital"),
        ],
        work_items=ITEMS,
    )
    nxt = WEEK + dt.timedelta(days=7)
    pm = str(project("P1")["project_manager"])
    weekly.confirm_unchanged(s, person(pm, "pm"), pm, ["P1", "P2"], nxt)
    assert access.project_managers(s)  # the store answers
    for week in (WEEK, nxt):
        health = sandbox.run(
            s.snapshot(), "SELECT project_id, flow_forecast_date FROM project_health", week
        ).frame
        assert sorted(health["project_id"]) == ["P1", "P2"], (week, health)
        forecasts = s.frame("flow/forecasts", as_of=week, portfolios=[], programmes=[])
        assert forecasts["project_id"].is_unique, (week, forecasts)
    # each week's forecast from its own report date (a week without new done items is slower)
    f0 = s.frame("flow/forecasts", as_of=WEEK, portfolios=[], programmes=[]).set_index("project_id")
    f1 = s.frame("flow/forecasts", as_of=nxt, portfolios=[], programmes=[]).set_index("project_id")
    assert pd.Timestamp(f1.loc["P1", "backlog_date"]).date() == nxt
    assert pd.Timestamp(f0.loc["P1", "backlog_date"]).date() == WEEK
    # and the same whatever this process computed before (its cache is per report date too:
    # keyed per upload, the earlier week's forecast was served for the later one)
    from epmo import flow

    flow._CACHE.clear()
    fresh = s.frame("flow/forecasts", as_of=nxt, portfolios=[], programmes=[]).set_index("project_id")
    assert fresh.loc["P1", "p85_date"] == f1.loc["P1", "p85_date"]
    assert f1.loc["P1", "p85_date"] != f0.loc["P1", "p85_date"]  # a week with nothing done is slower


@pytest.mark.parametrize(
    ("item_type", "counted"),
    [
        ("Story", True),
        ("Bug", True),
        ("Aufgabe", True),  # a German task
        ("Fehler", True),  # a German bug
        ("Tâche", True),  # a French task
        (None, True),
        ("Epic", False),
        ("epic", False),
        ("Sub-task", False),
        ("Subtask", False),
        ("sub task", False),
        ("Sub_task", False),
        ("Unteraufgabe", False),
        ("Teilaufgabe", False),
        ("Sous-tâche", False),
        ("Subtarea", False),
        ("Épica", False),
    ],
)
def test_an_item_of_flow_is_neither_an_epic_nor_a_sub_task_in_any_language(
    flow_store: Store, item_type: str | None, counted: bool
) -> None:
    """A German Jira's sub-tasks (Unteraufgabe) were counted as items: 51 items and 30 done
    where there were 47 and 26, a shorter forecast and the RAG with it."""
    con = flow_store.connect()
    try:
        (got,) = con.execute("SELECT epmo_flow_item(?)", [item_type]).fetchone()
    finally:
        con.close()
    assert got is counted
