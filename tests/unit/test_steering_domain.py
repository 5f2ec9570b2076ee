"""Steering domain: deck specs, the frozen snapshot, decisions, the presentation theme."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import plotly.graph_objects as go
import pytest
from deltalake import DeltaTable

from epmo import charts, clock, sql, steering, theme
from epmo.ingest import ACCEPTED, ingest
from epmo.store import Store
from tests.conftest import WEEK, person, project_row, projects_csv


def _ingest(store: Store, name: str, *rows: str, as_of: dt.date = WEEK) -> str:
    out = ingest(store, name, projects_csv(*rows), as_of=as_of)
    assert out.status == ACCEPTED, out.report
    return out.upload_id


def _project_ids(con, as_of: dt.date = WEEK) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(sql.df(con, "project/projects", as_of=as_of, portfolios=[], programmes=[])["project_id"])


# --------------------------------------------------------------------------- deck specs


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"slides": []}, "has no slides"),
        ({}, "give a list of slides"),
        ("{not json", "not valid JSON"),
        ({"slides": [{"view": "homepage"}]}, "slide 1: unknown view 'homepage'"),
        ({"slides": ["home", {"grain": "month"}]}, "slide 2: give a view"),
        ({"slides": [{"view": "capacity", "grain": "year"}]}, "grain must be one of week, month, quarter"),
        ({"slides": [{"view": "capacity", "by": "desk"}]}, "by must be one of"),
        (
            {"slides": [{"view": "home", "project_id": "P1"}]},
            "slide 1 (home): unknown option(s) project_id; it takes none",
        ),
        ({"slides": [{"view": "health", "colour": "x"}]}, "unknown option(s) colour"),
        ({"slides": ["home"] * 31}, "has 31 slides; at most 30"),
        ({"slides": ["home"], "portfolios": "Corporate"}, "portfolios must be a list of names"),
    ],
)
def test_bad_deck_specs_say_what_is_wrong(spec: object, message: str) -> None:
    with pytest.raises(steering.SteeringError) as err:
        steering.parse_deck("Board", spec)
    assert message in str(err.value)


def test_a_deck_needs_a_name() -> None:
    with pytest.raises(steering.SteeringError, match="a deck needs a name"):
        steering.parse_deck("  ", {"slides": ["home"]})


def test_deck_spec_round_trip_keeps_order_options_and_scope() -> None:
    spec = {
        "slides": [
            "home",
            {"view": "project", "project_id": "P7"},
            {"view": "capacity", "grain": "quarter", "by": "team"},
            {"view": "ranking", "model": "wsjf"},
        ],
        "portfolios": ["Corporate"],
    }
    deck = steering.parse_deck("Board", spec)
    assert [s.view for s in deck.slides] == ["home", "project", "capacity", "ranking"]
    again = steering.parse_deck("Board", deck.to_json())
    assert again == deck
    assert again.slides[2].options == {"grain": "quarter", "by": "team"}
    assert again.scope == {"portfolios": ["Corporate"], "programmes": []}


def test_saved_decks_are_versioned_and_the_built_in_one_is_protected(store: Store) -> None:
    default = steering.default_deck()
    assert steering.deck_names(store) == [default.name]
    with pytest.raises(steering.SteeringError, match="built-in deck"):
        steering.save_deck(store, steering.parse_deck(default.name, {"slides": ["home"]}), person("me@x.org"))
    steering.save_deck(
        store, steering.parse_deck("Board", {"slides": ["home", "health"]}), person("me@x.org")
    )
    steering.save_deck(store, steering.parse_deck("Board", {"slides": ["decisions"]}), person("me@x.org"))
    board = steering.load_deck(store, "Board")
    assert [s.view for s in board.slides] == ["decisions"]
    assert board.version == 2
    assert steering.deck_names(store) == [default.name, "Board"]
    with pytest.raises(steering.SteeringError, match="no deck named 'Nope'"):
        steering.load_deck(store, "Nope")


# --------------------------------------------------------------------------- frozen snapshot


def test_a_frozen_connection_ignores_uploads_and_retractions_after_the_freeze(store: Store) -> None:
    first = _ingest(store, "a.csv", project_row("P1"), project_row("P2"))
    frozen = steering.freeze(store, WEEK)
    _ingest(store, "b.csv", project_row("P3"))  # arrives during the meeting
    store.retract(first, "admin@x.org", "wrong file")  # and a retraction too
    live = store.connect()
    assert _project_ids(live) == ["P3"]
    con = steering.connect_frozen(store, frozen)
    assert _project_ids(con) == ["P1", "P2"]


def test_a_frozen_deck_survives_compaction_and_vacuum(store: Store) -> None:
    for i in range(5):
        _ingest(
            store,
            f"w{i}.csv",
            project_row("P1", budget_bac=str(1000 * (i + 1))),
            as_of=WEEK - dt.timedelta(weeks=5 - i),
        )
    frozen = steering.freeze(store, WEEK)
    pinned = store.snapshot()  # a pinned Parquet file list, for contrast
    _ingest(store, "late.csv", project_row("P9"))
    for name in ("projects", "submissions", "uploads"):  # compact and vacuum at once
        table = DeltaTable(store.table_uri(name))
        table.optimize.compact()
        table.vacuum(retention_hours=0, dry_run=False, enforce_retention_duration=False)
    with pytest.raises(Exception):  # noqa: B017 (the files behind a pinned list are gone)
        store.connect(pinned).execute("SELECT count(*) FROM raw_projects").fetchall()
    con = steering.connect_frozen(store, frozen)
    assert _project_ids(con) == ["P1"]
    bac = sql.df(con, "health/project_health", as_of=WEEK, portfolios=[], programmes=[])["bac"].tolist()
    assert bac == [5000.0]


def test_freezing_at_an_earlier_cutoff_rebuilds_what_a_meeting_saw(store: Store) -> None:
    _ingest(store, "a.csv", project_row("P1"))
    meeting = steering.freeze(store, WEEK)
    _ingest(store, "b.csv", project_row("P2"))
    later = steering.freeze(store, WEEK, cutoff_at=meeting.cutoff_at)
    assert _project_ids(steering.connect_frozen(store, later)) == ["P1"]
    assert steering.Freeze.from_dict(json.loads(json.dumps(meeting.to_dict()))) == meeting


def test_freeze_caption_names_the_week_and_time() -> None:
    f = steering.Freeze(
        dt.date(2026, 11, 20),
        dt.datetime(2026, 11, 25, tzinfo=dt.UTC),
        dt.datetime(2026, 11, 26, 9, 5, tzinfo=dt.UTC),
        "k",
    )
    assert f.caption() == "As of week 47 (20 Nov 2026) · data frozen at 26 Nov 2026 09:05 UTC"


@pytest.mark.parametrize(
    ("cutoff", "said"),
    [
        (dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC), "24 Nov 2026 12:00 UTC"),
        (dt.datetime(2026, 11, 24, 12, 0), "24 Nov 2026 12:00 UTC"),  # naive: UTC
        (
            dt.datetime(2026, 11, 24, 13, 30, tzinfo=dt.timezone(dt.timedelta(hours=1))),
            "24 Nov 2026 12:30 UTC",
        ),
    ],
)
def test_a_rebuilt_freeze_is_frozen_at_its_cutoff_not_when_rebuilt(
    store: Store, cutoff: dt.datetime, said: str
) -> None:
    """`pack --frozen-at` rebuilds what a meeting saw: the caption names the cutoff asked
    for (it named the moment of the rebuild). A deck opened from its link names the moment
    the link carries, never before the cutoff nor after now; a link with a cutoff alone
    names the cutoff (it named the moment it was opened, after commits it leaves out)."""
    f = steering.freeze(store, dt.date(2026, 11, 20), cutoff_at=cutoff, frozen_at=cutoff)
    assert f.caption().endswith(f"data frozen at {said}")
    assert f.frozen_at == f.cutoff_at
    link = steering.freeze(store, dt.date(2026, 11, 20), cutoff_at=cutoff)
    assert link.cutoff_at == f.cutoff_at and link.frozen_at == f.cutoff_at
    later = f.cutoff_at + dt.timedelta(minutes=5)
    assert steering.freeze(store, dt.date(2026, 11, 20), cutoff, frozen_at=later).frozen_at == later
    before = f.cutoff_at - dt.timedelta(minutes=5)
    assert steering.freeze(store, dt.date(2026, 11, 20), cutoff, frozen_at=before).frozen_at == f.cutoff_at
    ahead = clock.now() + dt.timedelta(days=3)
    assert steering.freeze(store, dt.date(2026, 11, 20), cutoff, frozen_at=ahead).frozen_at <= clock.now()


# --------------------------------------------------------------------------- decisions

GOOD = {
    "decision": "Stop P2",
    "rationale": "CPI 0.7",
    "project_ids": ["P2"],
    "owner": "sponsor@x.org",
    "decision_date": "2026-11-24",
    "due_date": "2026-12-31",
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"decision": "  "}, "the decision is empty"),
        ({"owner": ""}, "give the decision an owner"),
        ({"project_ids": ["P2", "NOPE"]}, "unknown project id(s) as of 20 Nov 2026: NOPE"),
        ({"due_date": "2026-11-01"}, "the due date 01 Nov 2026 is before the decision date 24 Nov 2026"),
        # dated after today (the pinned clock's 25 Nov): it showed in the pack of a past meeting
        ({"decision_date": "2026-11-26"}, "the decision date 26 Nov 2026 is in the future"),
        ({"due_date": "31/12/2026"}, "due date '31/12/2026' is not a date"),
        ({"status": "Maybe"}, "status must be one of"),
    ],
)
def test_bad_decisions_are_refused_and_nothing_is_saved(
    store: Store, change: dict[str, object], message: str
) -> None:
    _ingest(store, "a.csv", project_row("P1"), project_row("P2"))
    frozen = steering.freeze(store, WEEK)
    with pytest.raises(steering.SteeringError) as err:
        steering.validate_decision(store.connect(), GOOD | change, frozen)
    assert message in str(err.value)
    assert str(err.value).startswith("Nothing saved:")
    assert store.documents(steering.DECISION_KIND) == []


def test_decision_round_trip_edits_are_new_versions_and_link_the_snapshot(store: Store) -> None:
    _ingest(store, "a.csv", project_row("P1"), project_row("P2"))
    frozen = steering.freeze(store, WEEK)
    con = store.connect()
    decision = steering.validate_decision(con, GOOD, frozen)
    did = steering.save_decision(store, decision, person("clerk@x.org"))
    _ingest(store, "b.csv", project_row("P1"), project_row("P2"), project_row("P3"))
    later = steering.freeze(store, WEEK)
    assert later.cutoff_at > frozen.cutoff_at
    edited = steering.validate_decision(con, GOOD | {"status": "Done", "decision": "Stop P2 now"}, later)
    assert steering.save_decision(store, edited, person("clerk@x.org"), did) == did
    with pytest.raises(steering.SteeringError, match="no decision 'D-nope' to edit"):
        steering.save_decision(store, edited, person("clerk@x.org"), "D-nope")
    log = steering.decisions(store.connect(), dt.date(2026, 11, 30))
    assert log[["decision_id", "decision", "status", "projects_affected", "owner", "version"]].to_dict(
        "records"
    ) == [
        {
            "decision_id": did,
            "decision": "Stop P2 now",
            "status": "Done",
            "projects_affected": "P2",
            "owner": "sponsor@x.org",
            "version": 2,
        }
    ]
    row = log.iloc[0]
    assert row["based_on_as_of_date"] == pd.Timestamp(WEEK)
    # the tables' versions, not the store's path (the decisions export is every viewer's)
    assert row["based_on_snapshot"] == frozen.table_versions
    assert store.uri not in row["based_on_snapshot"] and "uploads=" in row["based_on_snapshot"]
    assert pd.Timestamp(row["based_on_data_at"]) == pd.Timestamp(frozen.cutoff_at)
    history = steering.decision_history(store, did)
    assert [json.loads(s)["decision"] for s in history["spec"]] == ["Stop P2 now", "Stop P2"]  # nothing lost
    # per project, and not before it was decided
    assert len(steering.decisions(store.connect(), dt.date(2026, 11, 30), "P2")) == 1
    assert steering.decisions(store.connect(), dt.date(2026, 11, 30), "P1").empty
    assert steering.decisions(store.connect(), dt.date(2026, 11, 23)).empty


def test_decisions_stay_live_in_a_frozen_deck(store: Store) -> None:
    _ingest(store, "a.csv", project_row("P1"))
    frozen = steering.freeze(store, WEEK)
    con = store.connect()
    steering.save_decision(
        store, steering.validate_decision(con, GOOD | {"project_ids": ["P1"]}, frozen), person("c@x.org")
    )
    assert len(steering.decisions(steering.connect_frozen(store, frozen), dt.date(2026, 11, 30))) == 1


# --------------------------------------------------------------------------- presentation theme


def test_presentation_restyles_a_copy_and_marks_rag_by_more_than_colour() -> None:
    frame = pd.DataFrame(
        {
            "stage": ["Planning", "Execution"],
            "stage_order": [1, 2],
            "rag_overall": ["Red", "Green"],
            "project_count": [2, 3],
        }
    )
    fig = charts.projects_by_stage(frame)
    before = fig.to_json()
    out = theme.presentation(fig)
    assert fig.to_json() == before  # pure
    red = next(t for t in out.data if t.name == "Red")
    assert red.marker.color == theme.PRESENT_RAG_COLOURS["Red"]
    assert red.marker.pattern.shape == theme.RAG_PATTERNS["Red"]
    assert list(red.y) == list(next(t for t in fig.data if t.name == "Red").y)  # data untouched
    assert out.layout.font.size == theme.PRESENT_FONT_SIZE
    assert len({theme.RAG_PATTERNS[r] for r in theme.RAG_ORDER}) == 3


@pytest.mark.parametrize(
    ("rows", "height", "label_px"),
    [
        (3, 400, 99),  # room to spare: the presentation size (font size less 2)
        (10, 330, 17),  # a slide's ranking: (330 - 120) px for ten labels, 21 px each, less 4
        (40, 330, 10),  # never below 10 px
    ],
)
def test_presentation_shrinks_bar_labels_until_every_bar_keeps_one(
    rows: int, height: int, label_px: int
) -> None:

    names = [f"#{i} PRJ-{i:04d}  A long project name {i}" for i in range(rows)]
    fig = go.Figure(go.Bar(x=list(range(rows)), y=names, orientation="h"))
    out = theme.presentation(fig, height=height)
    assert out.layout.yaxis.tickfont.size == min(theme.PRESENT_FONT_SIZE - 2, label_px)
    vertical = theme.presentation(go.Figure(go.Bar(x=names, y=list(range(rows)))), height=height)
    assert vertical.layout.yaxis.tickfont.size == theme.PRESENT_FONT_SIZE - 2  # only bars across


@pytest.mark.parametrize(
    ("days", "tickformat", "kept_weekly"),
    [
        (300, "%b %Y", False),  # a project's CPI and SPI since its start: months
        (84, "%d %b", False),  # twelve weeks: days
        (14, "%d %b", True),  # three weeks, padded by date_axis with a tick a week: kept
    ],
)
def test_presented_date_ticks_stay_level(days: int, tickformat: str, kept_weekly: bool) -> None:
    """At the slide's type size "01 Mar 2026" every two months turned aslant and took a third
    of the chart's height: presented, a date axis has a few short, level ticks."""
    dates = pd.date_range("2026-01-02", periods=days // 7 + 1, freq="7D")
    fig = go.Figure(go.Scatter(x=dates, y=list(range(len(dates)))))
    fig.update_layout(xaxis=charts.date_axis(dates))
    out = theme.presentation(fig, height=300)
    axis = out.layout.xaxis
    assert axis.tickformat == tickformat and axis.tickangle == 0
    assert not axis.tickformatstops  # the page's month stop would override the slide's format
    if kept_weekly:
        assert axis.dtick == charts.WEEK_MS and axis.range is not None
    else:
        assert axis.dtick is None and axis.nticks == theme.PRESENT_DATE_TICKS
    assert fig.layout.xaxis.tickformat == "%d %b %Y"  # the figure on the page is untouched
    numbers = theme.presentation(go.Figure(go.Scatter(x=[1, 2, 3], y=[1, 2, 3])))
    assert numbers.layout.xaxis.tickformat is None and numbers.layout.xaxis.nticks is None


@pytest.mark.parametrize(
    ("value", "label"),
    [
        ("Red", "R Red"),
        ("Amber", "A Amber"),
        ("Green", "G Green"),
        (None, "– not judged"),
        ("", "– not judged"),
    ],
)
def test_rag_labels_carry_a_letter(value: object, label: str) -> None:
    assert theme.rag_label(value) == label


def test_a_decision_recorded_in_a_deck_reopened_the_next_day_is_on_its_slide(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A live deck's decisions run up to today (a decision just recorded, dated today, was left
    off the slide of a deck frozen the day before); a rebuild keeps its frozen day."""
    monkeypatch.setenv("EPMO_TODAY", "2026-11-24")
    _ingest(store, "a.csv", project_row("P1"))
    frozen = steering.freeze(store, WEEK)
    monkeypatch.setenv("EPMO_TODAY", "2026-11-25")  # the link opened again the next day
    reopened = steering.freeze(store, WEEK, cutoff_at=frozen.cutoff_at, frozen_at=frozen.frozen_at)
    data = {k: v for k, v in GOOD.items() if k != "decision_date"} | {"project_ids": ["P1"]}
    steering.save_decision(
        store, steering.validate_decision(store.connect(), data, reopened), person("c@x.org")
    )
    assert reopened.decisions_until(live=True) == dt.date(2026, 11, 25)
    assert reopened.decisions_until(live=False) == dt.date(2026, 11, 24)
    con = steering.connect_frozen(store, reopened)
    live = steering.build_slide(con, WEEK, steering.SlideSpec("decisions"), None, reopened.decisions_until())
    assert not live.empty
    rebuilt = steering.build_slide(
        con, WEEK, steering.SlideSpec("decisions"), None, reopened.decisions_until(False)
    )
    assert rebuilt.empty == "No decisions recorded up to 24 Nov 2026."


def test_a_decision_dated_ahead_before_the_rule_can_still_be_closed(store: Store) -> None:
    """A decision saved with a later date (accepted before such dates were refused) could not
    get a new version, a status of Done, without its date changed too."""
    _ingest(store, "a.csv", project_row("P1"))
    frozen = steering.freeze(store, WEEK)
    ahead = GOOD | {
        "decision_date": "2026-12-01",
        "due_date": "2026-12-31",
        "status": "Done",
        "project_ids": ["P1"],
    }
    with pytest.raises(steering.SteeringError, match="is in the future"):
        steering.validate_decision(store.connect(), ahead, frozen)
    kept = steering.validate_decision(store.connect(), ahead, frozen, kept_date=dt.date(2026, 12, 1))
    assert kept.decision_date == dt.date(2026, 12, 1) and kept.status == "Done"


def test_the_audit_trail_says_a_decision_s_day_and_week(store: Store) -> None:
    """The trail read "Report for week: 2026-12-09" for a decision taken on a Wednesday on
    the week of 4 December: the day it was taken is not a reporting week."""
    import json

    _ingest(store, "a.csv", project_row("P1"), project_row("P2"))
    frozen = steering.freeze(store, WEEK)
    con = store.connect()
    decision = steering.validate_decision(con, GOOD, frozen)
    con.close()
    did = steering.save_decision(store, decision, person("clerk@x.org"))
    (row,) = [r for r in store.rows("access/audit_trail") if r["action"] == "save decision"]
    detail = json.loads(row["detail"])
    assert row["target"] == did
    assert (detail["decision_date"], detail["based_on_as_of_date"]) == (
        str(decision.decision_date),
        WEEK.isoformat(),
    )
    assert "as_of_date" not in detail


def test_the_audit_search_finds_a_row_by_what_the_page_shows(store: Store) -> None:
    """The page shows a decision's day as "09 Dec 2026"; typing that found nothing, only the
    stored "2026-12-09" did."""
    from epmo import labels
    from epmo.pagedata import Filters
    from epmo.pagedata.access import audit_trail

    _ingest(store, "a.csv", project_row("P1"), project_row("P2"))
    frozen = steering.freeze(store, WEEK)
    con = store.connect()
    decision = steering.validate_decision(con, GOOD, frozen)
    con.close()
    steering.save_decision(store, decision, person("clerk@x.org"))
    day = decision.decision_date
    con = store.connect()
    try:
        for typed in (f"{day:%d %b %Y}", f"{day:%d %b %Y}".upper(), day.isoformat(), "Decided: "):
            shown = audit_trail(con, Filters(WEEK), search=typed).shown
            assert shown["action"].tolist() == ["save decision"], typed
            assert (
                typed.lower()
                in labels.text("detail", shown["detail"].iloc[0]).lower() + shown["detail"].iloc[0].lower()
            )
        assert audit_trail(con, Filters(WEEK), search="31 Feb 1999").shown.empty
    finally:
        con.close()


@pytest.mark.parametrize(
    ("grain", "starts", "columns"),
    [
        ("month", ["2027-01-01", "2027-03-01"], ["Jan 2027", "Feb 2027", "Mar 2027"]),
        ("quarter", ["2027-01-01", "2027-07-01"], ["2027 Q1", "2027 Q2", "2027 Q3"]),
        ("month", ["2027-01-01", "2027-02-01"], ["Jan 2027", "Feb 2027"]),
    ],
)
def test_the_pack_capacity_grid_keeps_a_period_no_row_has(
    grain: str, starts: list[str], columns: list[str]
) -> None:
    """The pack's grid went from January straight to March when February had neither demand
    nor capacity, while the Capacity page's heatmap kept February's column."""
    from epmo import capacity
    from epmo.steering.slides import capacity_grid

    n = len(starts)
    cells = pd.DataFrame(
        {
            "period_start": pd.to_datetime(starts),
            "role": ["Dev"] * n,
            "band_index": [1] * n,
            "utilisation_pct": [50.0] * n,
            "band": ["ok"] * n,
        }
    )
    cells["row"] = capacity.row_label(cells)
    cells["col"] = capacity.period_label(cells["period_start"], grain)
    text, fills = capacity_grid(cells, grain, capacity.bands())
    assert list(text.columns) == columns == list(fills.columns)
    gap = [c not in {columns[0], columns[-1]} for c in columns]
    assert [t == "" for t in text.iloc[0]] == gap
    assert [f == "#FFFFFF" for f in fills.iloc[0]] == gap
