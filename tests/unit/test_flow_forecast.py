"""Monte Carlo forecasts (epmo/flow.py): the closed form with constant throughput, the exact
distribution (by convolution) and an independent reference simulation within sampling
error; the agile RAG in the health views; the trend of the 85 % date across snapshots."""

from __future__ import annotations

import datetime as dt
import math
import random

import numpy as np
import pandas as pd
import pytest

from epmo import clock, flow, health
from epmo import memo as memos
from epmo.labels import count
from epmo.store import Store
from tests.conftest import project, upload_tables

RUNS = 4000


@pytest.mark.parametrize(("per_day", "remaining"), [(1, 20), (2, 15), (3, 1), (5, 100)])
def test_constant_throughput_closed_form(per_day: int, remaining: int) -> None:
    history = np.full(28, per_day)
    days = flow.simulate_when(history, remaining, RUNS, 7, 1000)
    assert days is not None
    assert set(days.tolist()) == {math.ceil(remaining / per_day)}
    assert set(flow.simulate_how_many(history, 10, RUNS, 7).tolist()) == {10 * per_day}


def _exact_cdf(history: np.ndarray, remaining: int, max_days: int) -> np.ndarray:
    """P(finished within t days), t = 0..max_days: P(S_t >= remaining), S_t the sum of t
    independent draws from the history, by convolution of its distribution."""
    pmf = np.bincount(history) / len(history)
    dist = np.array([1.0])
    cdf = [0.0]
    for _t in range(max_days):
        dist = np.convolve(dist, pmf)[: remaining + 1]  # mass beyond `remaining` is done
        cdf.append(1.0 - dist[:remaining].sum())
    return np.array(cdf)


HISTORY = np.array([0, 0, 1, 0, 2, 0, 0, 3, 1, 0, 0, 0, 1, 4, 0, 0, 2, 0, 0, 0, 1])


@pytest.mark.parametrize("remaining", [5, 30])
@pytest.mark.parametrize("pct", [50, 85, 95])
def test_percentiles_match_the_exact_distribution(remaining: int, pct: int) -> None:
    days = flow.simulate_when(HISTORY, remaining, RUNS, 11, 2000)
    assert days is not None
    d = int(flow.nearest_rank(days, pct))
    cdf = _exact_cdf(HISTORY, remaining, d + 1)
    tol = 4 * math.sqrt(pct / 100 * (1 - pct / 100) / RUNS)
    # the nearest-rank day: at least pct % done by it, fewer the day before (within error)
    assert cdf[d] >= pct / 100 - tol
    assert cdf[d - 1] < pct / 100 + tol


HISTORIES = [
    HISTORY,
    np.array([0, 1] * 10),
    np.array([0] * 40 + [7, 0, 3]),
    np.array([2, 5, 0, 1, 0, 0, 9]),
]


# one chunk; a chunk per largest daily value; a chunk per backlog or two (memory bound)
@pytest.mark.parametrize(("cells", "min_rows"), [(1 << 21, 64), (1 << 21, 1), (60, 64)])
@pytest.mark.parametrize("k", range(len(HISTORIES)))
@pytest.mark.parametrize("remaining", [1, 6, 40])
def test_finish_cdf_is_the_exact_distribution(
    monkeypatch: pytest.MonkeyPatch, cells: int, min_rows: int, k: int, remaining: int
) -> None:
    monkeypatch.setattr(flow, "_CELLS", cells)
    monkeypatch.setattr(flow, "_MIN_ROWS", min_rows)
    # computed with other backlogs of other sizes beside it (chunks, padding, early stops)
    cdf = flow.finish_cdfs(HISTORIES[k:] + HISTORIES[:k], [remaining, 3, 25, 60], 300)[0]
    assert np.abs(cdf - _exact_cdf(HISTORIES[k], remaining, 300)).max() < 1e-9


@pytest.mark.parametrize("batch", [2048, 1])  # one call of finish_cdfs; one per backlog
def test_batch_equals_each_alone(monkeypatch: pytest.MonkeyPatch, batch: int) -> None:
    monkeypatch.setattr(flow, "_BATCH", batch)
    remaining = [30, 0, 5, 200]
    many = flow.simulate_when_many(HISTORIES, remaining, 700, 3, 400)
    # the 2-D inverse CDF gives each row what the row alone gives
    cdfs = flow.finish_cdfs(HISTORIES, [30, 1, 5, 200], 400)
    u = flow.run_uniforms(700, 3)
    first = [np.searchsorted(np.maximum.accumulate(c), u, side="left") for c in cdfs]  # by definition
    assert (flow.finish_days(cdfs, u) == np.array(first)).all()
    assert all((flow.finish_days(c, u) == f).all() for c, f in zip(cdfs, first, strict=True))
    for h, r, days in zip(HISTORIES, remaining, many, strict=True):
        alone = flow.simulate_when(h, r, 700, 3, 400)
        assert days is not None and alone is not None and (days == alone).all()
    # the memo's way (runs worked out only up to the highest percentile): the same dates
    backlogs: list[flow.Backlog] = [
        ([0, 1, 1, 5, 9, 30], 25, W, None, 3, None),
        ([], 4, W, None, None, 20),
        ([2], 0, W, W, 0, None),
        ([1] * 9, 3000, W, None, 40, 84),
    ]
    quick = flow.forecasts(backlogs, distributions=False)
    for b, q in zip(backlogs, quick, strict=True):
        full = flow.forecast(*b[:3], last_done=b[3], created_in_window=b[4], history_days=b[5])
        assert (q.dates, q.note, q.days) == (full.dates, full.note, None)
    assert [q.growing for q in quick] == [False, False, False, True]


@pytest.mark.parametrize(
    ("done", "created", "remaining", "growing"),
    [
        (6, 5, 10, False),
        (6, 6, 10, False),
        (6, 7, 10, True),
        (6, 7, 0, False),
        (0, 1, 3, True),
        (6, None, 3, False),
    ],
)
def test_a_growing_backlog_says_its_dates_hold_only_if_nothing_is_added(
    done: int, created: int | None, remaining: int, growing: bool
) -> None:
    """A backlog that gains items faster than it loses them got a date without a word."""
    f = flow.forecast(list(range(done)), remaining, W, created_in_window=created)
    assert f.growing is growing
    said = f"the backlog grew: {count(created or 0, 'item')} added and {done} done in the last 84 days"
    assert (said in f.note) is growing, f.note


@pytest.mark.parametrize("n", [1, 7, 100, 1000])
@pytest.mark.parametrize("pct", [1, 15, 50, 85, 95, 99])
def test_ranked_is_the_nearest_rank(n: int, pct: int) -> None:
    values = np.random.default_rng(n).integers(0, 50, n)
    assert flow._ranked(np.sort(values), pct) == flow.nearest_rank(values, pct)


def _reference_when(history: list[int], remaining: int, runs: int, seed: int) -> list[int]:
    """A plain, run-by-run simulation with Python's own generator."""
    rng = random.Random(seed)
    out = []
    for _ in range(runs):
        done, day = 0, 0
        while done < remaining:
            day += 1
            done += rng.choice(history)
        out.append(day)
    return out


def test_against_a_reference_simulation() -> None:
    ours = flow.simulate_when(HISTORY, 30, RUNS, 3, 2000)
    assert ours is not None
    ref = np.array(_reference_when(HISTORY.tolist(), 30, RUNS, 5))
    for pct in (50, 85, 95):
        d = int(flow.nearest_rank(ours, pct))
        # the two empirical CDFs at our percentile day agree within sampling error
        gap = abs((ours <= d).mean() - (ref <= d).mean())
        assert gap < 4 * math.sqrt(2 * 0.25 / RUNS), (pct, gap)
    # how many in 30 days: means agree with the exact mean 30 x mean(history)
    many = flow.simulate_how_many(HISTORY, 30, RUNS, 9)
    sd = math.sqrt(30 * HISTORY.var() / RUNS)
    assert abs(many.mean() - 30 * HISTORY.mean()) < 4 * sd


def test_seeded_and_blank_with_reason() -> None:
    a = flow.simulate_when(HISTORY, 30, 500, 1, 2000)
    b = flow.simulate_when(HISTORY, 30, 500, 1, 2000)
    assert a is not None and b is not None and (a == b).all()
    none = flow.forecast([], 12, dt.date(2026, 11, 20))
    assert none.dates[85] is None and "nothing was done in the 84 days" in none.note
    finished = flow.forecast([3], 0, dt.date(2026, 11, 20), last_done=dt.date(2026, 11, 17))
    assert finished.dates[85] == dt.date(2026, 11, 17)
    slow = flow.forecast([0], 10_000, dt.date(2026, 11, 20))  # one item in 84 days
    assert slow.dates[85] is None and "more than 1460 days" in slow.note


W = dt.date(2026, 11, 20)


def _to_do(pid: str, n: int) -> list[dict[str, object]]:
    """n items of `pid` still to do."""
    return [
        {
            "project_id": pid,
            "item_key": f"{pid}-R{i}",
            "title": "todo",
            "status": "To Do",
            "status_category": "To Do",
        }
        for i in range(n)
    ]


def _backlog(pid: str, week: dt.date, done_per_day: int, remaining: int) -> list[dict[str, object]]:
    """84 days with `done_per_day` items done each day, and `remaining` still to do."""
    rows: list[dict[str, object]] = []
    for d in range(84):
        day = week - dt.timedelta(days=d)
        for k in range(done_per_day):
            rows.append(
                {
                    "project_id": pid,
                    "item_key": f"{pid}-D{d}-{k}",
                    "title": "done",
                    "status": "Done",
                    "status_category": "Done",
                    "started_date": str(day - dt.timedelta(days=2)),
                    "done_date": str(day),
                }
            )
    rows += _to_do(pid, remaining)
    return rows


def test_agile_rag_from_the_85_percent_date(store: Store) -> None:
    # constant throughput, 1 a day: 20 items left finish 20 days after the report date
    upload_tables(
        store,
        W,
        projects=[
            project("AG1", delivery_method="Agile", baseline_end_date=str(W), forecast_end_date=str(W)),
            project("AG2", delivery_method="Agile", baseline_end_date=str(W + dt.timedelta(days=40))),
            project("AG3", delivery_method="Agile", baseline_end_date=str(W - dt.timedelta(days=20))),
            project("WF1", delivery_method="Waterfall", earned_value=400000, planned_value=400000),
        ],
        work_items=_backlog("AG1", W, 1, 20) + _backlog("AG2", W, 1, 20) + _backlog("AG3", W, 1, 20),
    )
    frame = health.project_health_view(store, W).set_index("project_id")
    ag1 = frame.loc["AG1"]
    assert str(ag1["flow_forecast_date"])[:10] == str(W + dt.timedelta(days=20))
    assert (ag1["flow_slip_days"], ag1["rag_computed"]) == (20, "Amber")
    assert "85% forecast date 10 Dec 2026 is 20 days beyond baseline end" in ag1["rag_reasons"]
    assert frame.loc["AG2", "rag_computed"] == "Green" and frame.loc["AG2", "flow_slip_days"] == -20
    assert frame.loc["AG3", "rag_computed"] == "Red"
    # the waterfall project beside them, judged on earned value as before (SPI 1, CPI 1)
    assert frame.loc["WF1", "rag_computed"] == "Green" and pd.isna(frame.loc["WF1", "flow_forecast_date"])


def _items(
    pid: str, done_days: list[int], remaining: int, created_days: list[int]
) -> list[dict[str, object]]:
    """Items done `done_days` days before W, `remaining` to do; the remaining ones (then the
    done ones) created `created_days` days before W, the rest created long before."""
    rows: list[dict[str, object]] = []
    for k, d in enumerate(done_days):
        rows.append(
            {
                "project_id": pid,
                "item_key": f"{pid}-D{k}",
                "title": "done",
                "status": "Done",
                "status_category": "Done",
                "started_date": str(W - dt.timedelta(days=d + 2)),
                "done_date": str(W - dt.timedelta(days=d)),
            }
        )
    rows += _to_do(pid, remaining)
    for row, c in zip(reversed(rows), created_days, strict=False):
        row["created_date"] = str(W - dt.timedelta(days=c))
    for row in rows:
        row.setdefault("created_date", "2025-06-02")
    return rows


LONG_AGO = "2026-01-05"  # the project started long before the 84-day window
RECENT = str(W - dt.timedelta(days=30))  # within it
SOON = str(W + dt.timedelta(days=60))  # the baseline end
# (case, start date, baseline end, done days, remaining, created days, computed RAG, reason words)
NO_DATE_CASES = [
    (
        "stalled: nothing done in the window",
        LONG_AGO,
        SOON,
        [],
        20,
        [],
        "Red",
        "work items: no 85% forecast date (no forecast: nothing was done in the 84 days",
    ),
    ("new: nothing done yet", RECENT, SOON, [], 20, [], None, "no work-item forecast"),
    ("new: too slow for the horizon, but new", RECENT, SOON, [3], 2000, [], None, "no work-item forecast"),
    (
        "too slow: beyond the horizon",
        LONG_AGO,
        SOON,
        [3],
        2000,
        [],
        "Red",
        "work items: no 85% forecast date (more than 1460 days of work",
    ),
    (
        "too slow, its baseline end beyond the horizon too",
        LONG_AGO,
        str(W + dt.timedelta(days=1500)),
        [3],
        2000,
        [],
        None,
        "no work-item forecast",
    ),
    (
        "growing: more added than done",
        LONG_AGO,
        SOON,
        list(range(0, 84, 7)),
        5,
        list(range(15)),
        "Amber",
        "the backlog grew: 15 items added and 12 done in the last 84 days",
    ),
    ("added as many as done", LONG_AGO, SOON, list(range(0, 84, 7)), 5, list(range(12)), "Green", ""),
    (
        "growing, but new: its backlog is being written",
        RECENT,
        str(W + dt.timedelta(days=200)),
        list(range(0, 28, 7)),
        2,
        list(range(6)),
        "Green",
        "",
    ),
]


@pytest.mark.parametrize(
    ("start", "end", "done", "remaining", "created", "rag", "words"),
    [c[1:] for c in NO_DATE_CASES],
    ids=[c[0] for c in NO_DATE_CASES],
)
def test_agile_rag_without_a_date_and_of_a_growing_backlog(
    store: Store,
    start: str,
    end: str,
    done: list[int],
    remaining: int,
    created: list[int],
    rag: str | None,
    words: str,
) -> None:
    """A stalled backlog and one too big to finish within the horizon were left unjudged
    (no date, so no slip), and a backlog growing faster than it was done got a date in silence."""
    upload_tables(
        store,
        W,
        projects=[
            project(
                "AG",
                delivery_method="Agile",
                start_date=start,
                baseline_end_date=end,
                forecast_end_date=end,
                actual_cost=0,
            )
        ],
        work_items=_items("AG", done, remaining, created),
    )
    row = health.project_health_view(store, W).set_index("project_id").loc["AG"]
    assert (None if pd.isna(row["rag_computed"]) else row["rag_computed"]) == rag, row["rag_reasons"]
    assert words in row["rag_reasons"], row["rag_reasons"]
    assert bool(row["is_watermelon"]) is (rag == "Red")  # declared Green


def test_trend_of_the_85_percent_date(store: Store) -> None:
    upload_tables(store, W - dt.timedelta(days=14), projects=[project("AG1", delivery_method="Agile")])
    for k, remaining in enumerate((10, 30, 20)):
        week = W - dt.timedelta(days=14 - 7 * k)
        upload_tables(store, week, work_items=_backlog("AG1", week, 2, remaining))
    con = store.connect()
    try:
        trend = flow.forecast_trend(con, "AG1", W)
        f, _ = flow.project_forecast(con, "AG1", W)
        epics = flow.epic_forecasts(con, "AG1", W)
        many = flow.how_many_by(con, "AG1", W, W + dt.timedelta(days=5))
        # 2 a day for 60 days is 120, of 20 items left: all 20, never more than are left
        beyond = flow.how_many_by(con, "AG1", W, W + dt.timedelta(days=60))
    finally:
        con.close()
    # 2 a day: 10, 30 and 20 items take 5, 15 and 10 days from each report date
    assert [(r["report_date"], r["p85_date"]) for r in trend] == [
        (W - dt.timedelta(days=14), W - dt.timedelta(days=9)),
        (W - dt.timedelta(days=7), W + dt.timedelta(days=8)),
        (W, W + dt.timedelta(days=10)),
    ]
    assert f is not None and f.days is not None and f.date(50) == W + dt.timedelta(days=10)
    assert epics == []  # no parent keys in this backlog
    assert many is not None and many["at_least_p85"] == 10
    assert beyond is not None and {k: v for k, v in beyond.items() if k.startswith("at_least")} == {
        "at_least_p50": 20,
        "at_least_p85": 20,
        "at_least_p95": 20,
    }


def test_health_memo_prepares_forecasts_once(store: Store) -> None:
    upload_tables(
        store, W, projects=[project("AG1", delivery_method="Agile")], work_items=_backlog("AG1", W, 1, 5)
    )
    con = store.connect()
    try:
        memos.prepare_health(con, [W])
        assert con.execute("SELECT count(*) FROM flow_forecast_memo").fetchone() == (1,)
        assert flow.prepare_forecasts(con, [W]) == 0  # already there
    finally:
        con.close()


def test_a_new_team_s_throughput_is_sampled_from_its_own_days(store: Store) -> None:
    """A team three weeks old doing 2 a week with 10 left was forecast at 0.5 a week (the 63
    days before it began counted as days it finished nothing): April instead of ~5 weeks."""
    done = [0, 3, 7, 10, 14, 17]  # 6 items in its 21 days: 2 a week
    rows = _items("NEW", done, 10, list(range(21)))  # every item created in the last 21 days
    for r in rows:
        r["created_date"] = min(str(r["created_date"]), str(W - dt.timedelta(days=20)))
    upload_tables(
        store,
        W,
        projects=[project("NEW", delivery_method="Agile", start_date=str(W - dt.timedelta(days=21)))],
        work_items=rows,
    )
    con = store.connect()
    try:
        f, _ = flow.project_forecast(con, "NEW", W)
    finally:
        con.close()
    assert f is not None
    assert "10 items left at 2.0 a week (the last 21 days)" in f.note, f.note
    p50 = f.date(50)
    assert p50 is not None and 25 <= (p50 - W).days <= 45, p50


def test_little_s_law_needs_start_dates_for_most_items(store: Store) -> None:
    """The whole portfolio's Little's law ratio was shown from 24 of 2,121 done items with a
    start date: a few items' mean cycle time against everyone's throughput."""
    rows = _items("FEW", list(range(0, 84, 7)), 5, [])
    for r in rows[1:]:  # one done item keeps its start date
        r.pop("started_date", None)
    upload_tables(store, W, projects=[project("FEW", delivery_method="Agile")], work_items=rows)
    [row] = flow.export_flow_metrics(store, W, by="project").to_dict("records")
    assert pd.isna(row["littles_law_ratio"])
    assert (
        "Little's law blank: fewer than half the items done in the window have a start date"
        in row["flow_notes"]
    )
    assert pd.isna(row["littles_law_cycle_days"])


def test_little_s_law_counts_one_population(store: Store) -> None:
    """Items without a start date were out of the average WIP but in the throughput: half of
    them without one doubled the ratio of a stable flow (2.0 for 1.0)."""
    rows = _items("HALF", list(range(0, 84, 7)), 0, [])
    for r in rows[::2]:
        r.pop("started_date", None)
    upload_tables(store, W, projects=[project("HALF", delivery_method="Agile")], work_items=rows)
    [row] = flow.export_flow_metrics(store, W, by="project").to_dict("records")
    assert row["littles_law_ratio"] == pytest.approx(1.0, abs=0.05)
    assert row["littles_law_cycle_days"] == pytest.approx(row["mean_cycle_time_days"], rel=0.05)


@pytest.mark.parametrize(
    ("weeks_later", "rag", "words"),
    [
        (0, "Green", ""),  # the backlog of the week: its date ahead, on time
        (12, "Amber", "has passed with 5 items left"),  # the earliest is this week: 24 days late
        (20, "Red", "has passed with 5 items left"),  # 80 days past the baseline end
    ],
)
def test_a_forecast_date_that_has_passed_with_items_left_is_not_on_time(
    store: Store, monkeypatch: pytest.MonkeyPatch, weeks_later: int, rag: str, words: str
) -> None:
    """A backlog reported in December gave a January date; the project row reported fresh in
    April kept the project Green with a slip of -44 days, past its baseline end, 5 items left."""
    end = W + dt.timedelta(days=60)
    agile = {
        "delivery_method": "Agile",
        "start_date": LONG_AGO,
        "baseline_end_date": str(end),
        "actual_cost": 0,
    }
    upload_tables(
        store,
        W,
        projects=[project("AG", forecast_end_date=str(end), **agile)],
        work_items=_items("AG", list(range(0, 84, 3)), 5, []),
    )
    later = W + dt.timedelta(weeks=weeks_later)
    monkeypatch.setenv(clock.ENV, str(later))
    if weeks_later:
        upload_tables(store, later, projects=[project("AG", forecast_end_date=str(end), **agile)])
    row = health.project_health_view(store, later).set_index("project_id").loc["AG"]
    assert row["rag_computed"] == rag, row["rag_reasons"]
    assert words in row["rag_reasons"], row["rag_reasons"]
    assert pd.Timestamp(row["flow_forecast_date"]).date() >= later  # never a date already gone
