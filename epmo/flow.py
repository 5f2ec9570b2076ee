"""Monte Carlo forecasts of agile work from the teams' own throughput (numpy, seeded).

DuckDB computes every flow measure (queries/flow/); numpy only draws the samples. A
forecast starts on the backlog's own report date (its as_of_date, the status date as for
earned value) and resamples the project's daily throughput over the [flow] window (days
with nothing done count as 0):

- when: each run draws one day's throughput after another until the remaining items are
  done; the 50/85/95 % dates are the nearest-rank percentiles of the finish day over the
  runs (85 %: 85 % of the runs had finished by then). The finish day's distribution is
  computed exactly for every backlog of a week at once (finish_cdfs: a convolution a day
  over the backlogs' throughput distributions) and each run draws its finish day from it
  with one seeded uniform (the same uniforms for every backlog): the day-by-day
  simulation's distribution, at a cost that grows with the remaining items, not the runs.
- how many by a date D: each run sums the draws of the days up to D; "85 % confident of at
  least n items" is the nearest-rank 15th percentile of those sums.

Days are calendar days (the history's weekends are in it). A forecast is a function of the
backlog upload and its report date (a "no change this week" confirmation carries an upload to
a later date), so it is computed once per upload and date and kept (flow_forecast_memo on a
store connection, and a cache in this process).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from epmo import sql
from epmo.labels import count
from epmo.settings import current


@dataclass(frozen=True)
class FlowSettings:
    window_days: int
    runs: int
    seed: int
    percentiles: tuple[int, ...]
    rag_percentile: int
    horizon_days: int


def flow_settings() -> FlowSettings:
    pcts = tuple(int(p) for p in current().flow.percentiles)
    rag = current().flow.rag_percentile
    s = FlowSettings(
        window_days=current().flow.window_days,
        runs=current().flow.runs,
        seed=current().flow.seed,
        percentiles=pcts,
        rag_percentile=rag,
        horizon_days=current().flow.horizon_days,
    )
    if s.window_days < 7 or s.runs < 100 or s.horizon_days < 7:
        raise ValueError("flow: window_days >= 7, runs >= 100 and horizon_days >= 7")
    if not all(0 < p < 100 for p in (*pcts, rag)):
        raise ValueError("flow: percentiles and rag_percentile lie between 0 and 100")
    return s


def _days(history_days: int | None, fs: FlowSettings) -> int:
    """The days of history a backlog's throughput is sampled from: the window, or fewer."""
    return fs.window_days if history_days is None else max(1, min(int(history_days), fs.window_days))


def daily_history(done_offsets: list[int], window_days: int) -> np.ndarray:
    """Items done per day over the window, oldest day first (offset 0 = the report date)."""
    counts = np.zeros(window_days, dtype=np.int64)
    offsets = np.asarray([o for o in done_offsets if 0 <= o < window_days], dtype=np.int64)
    np.add.at(counts, window_days - 1 - offsets, 1)
    return counts


def nearest_rank(values: np.ndarray, pct: float) -> Any:
    """The smallest value with at least pct % of the values at or below it."""
    return np.quantile(values, pct / 100.0, method="inverted_cdf")


def _ranked(sorted_values: np.ndarray, pct: int) -> Any:
    """nearest_rank of values already sorted (pct a whole percentage): the value of rank
    ceil(pct x n / 100), in integer arithmetic."""
    n = len(sorted_values)
    return sorted_values[max(1, -(-pct * n // 100)) - 1]


def finish_cdfs(
    histories: Sequence[np.ndarray], remaining: Sequence[int], horizon_days: int, stop_at: float = 1.0
) -> np.ndarray:
    """P(done within t days), t = 0..horizon_days, for each backlog (rows): the chance that the
    sum of t independent draws of its daily throughput reaches its remaining items.

    Exact, by dynamic programming over every backlog at once: row i keeps the distribution
    of the items still to do (1 .. remaining_i) among the runs not yet finished; each day it
    is convolved with the distribution of one day's throughput, and the mass reaching 0 or
    less is finished. A backlog whose CDF reaches `stop_at` (the largest uniform whose
    finish day is wanted) needs no more days: its later entries are set to 1. Rows are
    processed in chunks of similar remaining (sorted), at most _CELLS cells at a time."""
    n = len(histories)
    cdf = np.ones((n, horizon_days + 1), dtype=np.float64)
    if n == 0:
        return cdf
    cdf[:, 0] = 0.0
    rem = np.asarray(remaining, dtype=np.int64)
    hists = [np.asarray(h, dtype=np.int64) for h in histories]
    tops = np.array([int(h.max()) for h in hists], dtype=np.int64)
    # chunks of rows with the same largest daily value (fewer shifts a day) and similar
    # remaining (narrower rows); a group of fewer than _MIN_ROWS joins the next
    order = np.lexsort((rem, tops))
    start = 0
    while start < n:
        stop, cells = start + 1, int(rem[order[start]]) + 1
        while stop < n and (stop - start + 1) * max(cells, int(rem[order[stop]]) + 1) <= _CELLS:
            if tops[order[stop]] != tops[order[stop - 1]] and stop - start >= _MIN_ROWS:
                break
            cells = max(cells, int(rem[order[stop]]) + 1)
            stop += 1
        rows = order[start:stop]
        start = stop
        width = int(rem[rows].max()) + 1  # cell j: j items still to do (cell 0 unused)
        top = int(tops[rows].max())
        pmf = np.zeros((len(rows), top + 1))
        for k, i in enumerate(rows):
            pmf[k] = np.bincount(hists[i], minlength=top + 1) / len(hists[i])
        values = [v for v in range(top + 1) if pmf[:, v].any()]
        live = np.zeros((len(rows), width))
        live[np.arange(len(rows)), rem[rows]] = 1.0
        p = pmf[:, values].T.copy()[:, :, None]  # (values, rows, 1)
        idx = np.arange(len(rows))  # the chunk's rows still computed
        tmp = np.empty_like(live)
        for t in range(1, horizon_days + 1):
            nxt = p[0] * live if values[0] == 0 else np.zeros_like(live)
            for k, v in enumerate(values):  # j items left, v done today: j - v left
                if 0 < v < width - 1:  # (v >= every row's remaining: all of it finishes)
                    part = np.multiply(p[k], live[:, 1 + v :], out=tmp[: len(idx), : width - 1 - v])
                    nxt[:, 1 : width - v] += part
            live = nxt
            c = 1.0 - live.sum(axis=1)
            cdf[rows[idx], t] = c
            going = c < stop_at
            if not going.all():
                idx, live, p = idx[going], live[going], p[:, going]
                if not idx.size:
                    break
    return cdf


_CELLS = 1 << 21  # distribution cells per chunk of finish_cdfs (16 MiB of float64)
_MIN_ROWS = 64  # rows below which a group of finish_cdfs shares a chunk with the next
# backlogs per finish_cdfs call: its CDFs (horizon + 1 days) and their runs' finish days are
# held at once (2,048 x 1,461 x 8 bytes = 24 MB each with the defaults)
_BATCH = 2048


def run_uniforms(runs: int, seed: int) -> np.ndarray:
    """The runs' uniforms in (0, 1]: one seeded draw, shared by every backlog (so a
    project's forecast is the same whether computed alone or with the week's others)."""
    return 1.0 - np.random.default_rng(seed).random(runs)


def finish_days(cdf: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Each run's finish day: the first day whose CDF reaches the run's uniform (inverse
    CDF); horizon_days + 1 (the CDF's length) for a run unfinished at the horizon. With
    a CDF per row (2-D), a row of finish days per CDF."""
    cdfs = np.atleast_2d(cdf)
    order = np.argsort(u, kind="stable")
    # runs finished by day t: the uniforms at or below the CDF of day t (one search for all)
    by_day = np.searchsorted(u[order], np.maximum.accumulate(cdfs, axis=1), side="right")
    # how many runs finish on each day (the last column: unfinished at the horizon), then
    # each row's days in the runs' sorted order, all rows in one repeat
    per_day = np.diff(by_day, prepend=0, append=len(u), axis=1)
    days = np.tile(np.arange(per_day.shape[1]), len(cdfs))
    out = np.empty((len(cdfs), len(u)), dtype=np.int64)
    out[:, order] = np.repeat(days, per_day.ravel()).reshape(len(cdfs), len(u))
    return out[0] if np.ndim(cdf) == 1 else out


def simulate_when_many(
    histories: Sequence[np.ndarray],
    remaining: Sequence[int],
    runs: int,
    seed: int,
    horizon_days: int,
    upto_pct: int | None = None,
) -> list[np.ndarray | None]:
    """simulate_when for many backlogs at once: one exact CDF computation over all of them
    (finish_cdfs) and one seeded draw of the runs' uniforms. With upto_pct, only the runs up
    to that nearest-rank percentile get their exact finish day (the later ones get a day no
    earlier than it): the percentiles up to upto_pct are the same, in fewer days of work."""
    out: list[np.ndarray | None] = [None] * len(histories)
    todo = []
    for i, (h, r) in enumerate(zip(histories, remaining, strict=True)):
        if r <= 0:
            out[i] = np.zeros(runs, dtype=np.int64)
        elif np.asarray(h).sum() > 0:
            todo.append(i)
    if todo:
        u = run_uniforms(runs, seed)
        stop_at = u.max() if upto_pct is None else _ranked(np.sort(u), upto_pct)
        for at in range(0, len(todo), _BATCH):  # bounded memory: _BATCH CDFs and runs at a time
            batch = todo[at : at + _BATCH]
            cdf = finish_cdfs(
                [histories[i] for i in batch],
                [int(remaining[i]) for i in batch],
                horizon_days,
                float(stop_at),
            )
            for i, days in zip(batch, finish_days(cdf, u), strict=True):
                out[i] = days
    return out


def simulate_when(
    history: np.ndarray, remaining: int, runs: int, seed: int, horizon_days: int
) -> np.ndarray | None:
    """Days until `remaining` items are done, per run (1 = done on the day after the report
    date); horizon_days + 1 for a run still unfinished at the horizon. None when the history
    has no throughput at all (nothing to sample).

    A run is a sequence of days, each day's throughput drawn with replacement from the
    history. Rather than drawing every day of every run, the distribution of the finish day
    is computed exactly (finish_cdfs: the chance that t draws sum to at least `remaining`)
    and each run draws its finish day from it with one uniform (inverse CDF): the same
    distribution as the day-by-day simulation, at a cost that does not grow with the runs."""
    return simulate_when_many([history], [remaining], runs, seed, horizon_days)[0]


def simulate_how_many(history: np.ndarray, days: int, runs: int, seed: int) -> np.ndarray:
    """Items done within `days` days after the report date, per run."""
    if days <= 0:
        return np.zeros(runs, dtype=np.int64)
    rng = np.random.default_rng(seed)
    total = np.zeros(runs, dtype=np.int64)
    for start in range(0, days, 256):  # bounded memory for long horizons
        width = min(256, days - start)
        total += history[rng.integers(0, len(history), size=(runs, width))].sum(axis=1)
    return total


@dataclass
class Forecast:
    """When the remaining items will be done, from one backlog."""

    as_of_date: dt.date
    remaining_items: int
    done_in_window: int
    dates: dict[int, dt.date | None] = field(default_factory=dict)  # percentile -> date
    note: str = ""
    created_in_window: int | None = None  # items added in the window (None: not known)
    days: np.ndarray | None = None  # the runs' finish days (the distribution)

    def date(self, pct: int) -> dt.date | None:
        return self.dates.get(pct)

    @property
    def growing(self) -> bool:
        """More items added to the backlog than done in the window, and some left."""
        return self.remaining_items > 0 and (self.created_in_window or 0) > self.done_in_window


def forecast(
    done_offsets: list[int],
    remaining: int,
    as_of_date: dt.date,
    fs: FlowSettings | None = None,
    last_done: dt.date | None = None,
    created_in_window: int | None = None,
    history_days: int | None = None,
) -> Forecast:
    """The forecast of one backlog; with nothing left, its dates are the day the last item
    was done (the actual finish), else the report date. `created_in_window`: items added in
    the window, which the note compares with those done (a growing backlog); `history_days`:
    the days of history to sample (default the window; fewer for a backlog begun within it)."""
    return forecasts([(done_offsets, remaining, as_of_date, last_done, created_in_window, history_days)], fs)[
        0
    ]


# (done offsets, remaining, report date, last done date, items created in the window, days of
# history: None = the window)
Backlog = tuple[list[int], int, dt.date, dt.date | None, int | None, int | None]


def forecasts(
    backlogs: Sequence[Backlog],
    fs: FlowSettings | None = None,
    distributions: bool = True,
) -> list[Forecast]:
    """The forecasts of many backlogs (done_offsets, remaining, report date, last done date,
    items created in the window), computed together (simulate_when_many); each has the dates
    forecast() gives for it alone. Without distributions, only the runs up to the highest
    percentile are worked out (faster) and each Forecast's days are None."""
    fs = fs or flow_settings()
    histories = [daily_history(list(b[0]), _days(b[5], fs)) for b in backlogs]
    upto = None if distributions else max(*fs.percentiles, fs.rag_percentile)
    all_days = simulate_when_many(
        histories, [int(b[1]) for b in backlogs], fs.runs, fs.seed, fs.horizon_days, upto
    )
    out = [
        _forecast(h, int(b[1]), b[2], fs, b[3], days, b[4])
        for h, b, days in zip(histories, backlogs, all_days, strict=True)
    ]
    if not distributions:
        for f in out:
            f.days = None
    return out


def _forecast(
    history: np.ndarray,
    remaining: int,
    as_of_date: dt.date,
    fs: FlowSettings,
    last_done: dt.date | None,
    days: np.ndarray | None,
    created: int | None = None,
) -> Forecast:
    out = Forecast(as_of_date, remaining, int(history.sum()), created_in_window=created)
    if remaining <= 0:
        finish = last_done or as_of_date
        out.dates = dict.fromkeys((*fs.percentiles, fs.rag_percentile), finish)
        out.note = f"every item done (the last on {finish:%d %b %Y})" if last_done else "no items to do"
        out.days = np.zeros(fs.runs, dtype=np.int64)
        return out
    if days is None:
        out.note = (
            f"no forecast: nothing was done in the {len(history)} days up to {as_of_date:%d %b %Y} "
            f"({count(remaining, 'item')} left)"
        )
        out.dates = dict.fromkeys((*fs.percentiles, fs.rag_percentile))
    else:
        out.days = days
        ranked = np.sort(days)
        for p in (*fs.percentiles, fs.rag_percentile):
            d = int(_ranked(ranked, p))
            out.dates[p] = as_of_date + dt.timedelta(days=d) if d <= fs.horizon_days else None
        if out.dates[fs.rag_percentile] is None:
            out.note = f"more than {fs.horizon_days} days of work at the recent throughput"
        else:
            out.note = (
                f"{count(remaining, 'item')} left at {out.done_in_window / (len(history) / 7):.1f} a week "
                f"(the last {len(history)} days)"
            )
    if out.growing:
        out.note += (
            f"; the backlog grew: {count(created or 0, 'item')} added and {out.done_in_window} done in the last "
            f"{fs.window_days} days, so the dates hold only if no more are added"
        )
    return out


# ------------------------------------------------------------------ per-connection memo

_CACHE: dict[tuple[str, str, dt.date, FlowSettings], Forecast] = {}
_CACHE_LOCK = threading.Lock()
_CACHE_MAX = 200_000


def _cached_many(
    keyed: Sequence[tuple[str, str, list[int], int, dt.date, dt.date | None, int | None, int | None]],
    fs: FlowSettings,
) -> list[Forecast]:
    """The forecasts of (upload, project, offsets, remaining, report date, last done, items
    created in the window, days of history), from this process's cache or computed together
    (forecasts) and cached."""
    out: list[Forecast | None] = []
    missing: list[int] = []
    with _CACHE_LOCK:
        for i, k in enumerate(keyed):
            hit = _CACHE.get((k[0], k[1], k[4], fs))  # upload, project, report date
            out.append(hit)
            if hit is None:
                missing.append(i)
    if missing:
        made = forecasts(
            [
                (list(keyed[i][2]), keyed[i][3], keyed[i][4], keyed[i][5], keyed[i][6], keyed[i][7])
                for i in missing
            ],
            fs,
            False,
        )
        with _CACHE_LOCK:
            if len(_CACHE) + len(made) > _CACHE_MAX:
                _CACHE.clear()
            for i, f in zip(missing, made, strict=True):
                _CACHE[(keyed[i][0], keyed[i][1], keyed[i][4], fs)] = f
                out[i] = f
    return [f for f in out if f is not None]


MEMO_SCHEMA = pa.schema(
    [
        ("upload_id", pa.string()),
        ("project_id", pa.string()),
        ("as_of_date", pa.date32()),
        ("remaining_items", pa.int64()),
        ("done_in_window", pa.int64()),
        ("created_in_window", pa.int64()),
        ("p50_date", pa.date32()),
        ("p85_date", pa.date32()),
        ("p95_date", pa.date32()),
        ("rag_date", pa.date32()),
        ("forecast_note", pa.string()),
    ]
)


def prepare_forecasts(cur: Any, weeks: list[dt.date]) -> int:
    """Compute the forecast of every work_items submission in force in `weeks` that this
    connection has not computed yet into flow_forecast_memo; returns how many were added.
    Called by epmo.sql before it computes the health of those weeks."""
    fs = flow_settings()
    q = sql.query("flow/forecast_inputs")
    inputs = cur.execute(q.text, {"weeks": weeks, "window_days": fs.window_days, "projects": []}).fetchall()
    have = set(cur.execute(sql.query("flow/forecast_memo_uploads").text).fetchall())
    todo = [
        (u, p, list(offsets), int(remaining), as_of, last_done, created, days)
        for u, p, as_of, remaining, offsets, last_done, created, days in inputs
        if (u, p, as_of) not in have
    ]
    rows = []
    for (upload_id, project_id, _o, _r, as_of, *_), f in zip(todo, _cached_many(todo, fs), strict=True):
        rows.append(
            {
                "upload_id": upload_id,
                "project_id": project_id,
                "as_of_date": as_of,
                "remaining_items": f.remaining_items,
                "done_in_window": f.done_in_window,
                "created_in_window": f.created_in_window,
                "p50_date": f.dates.get(50),
                "p85_date": f.dates.get(85),
                "p95_date": f.dates.get(95),
                "rag_date": f.dates.get(fs.rag_percentile),
                "forecast_note": f.note,
            }
        )
    if rows:
        cur.register("flow_forecast_rows", pa.Table.from_pylist(rows, schema=MEMO_SCHEMA))
        try:
            cur.execute(sql.query("flow/insert_forecasts").text)
        finally:
            cur.unregister("flow_forecast_rows")
    return len(rows)


# ------------------------------------------------------------------ per project, epic, trend


def _inputs(con: Any, weeks: list[dt.date], project_id: str) -> list[tuple[Any, ...]]:
    fs = flow_settings()
    q = sql.query("flow/forecast_inputs")
    with sql.cursor(con) as cur:
        return list(
            cur.execute(
                q.text, {"weeks": weeks, "window_days": fs.window_days, "projects": [project_id]}
            ).fetchall()
        )


def project_forecast(con: Any, project_id: str, as_of: dt.date) -> tuple[Forecast | None, str]:
    """The forecast of the project's backlog in force as of the week, with its distribution
    (the runs' finish days); (None, reason) when the project has no work items."""
    rows = _inputs(con, [as_of], project_id)
    if not rows:
        return None, "no work items reported for this project as of this week"
    _u, _p, report, remaining, offsets, last_done, created, days = rows[0]
    return forecast(list(offsets), int(remaining), report, None, last_done, created, days), ""


def forecast_trend(con: Any, project_id: str, as_of: dt.date) -> list[dict[str, Any]]:
    """The forecast dates of each backlog the project reported up to the week: how the
    50/85/95 % dates moved from week to week (like the milestone trend)."""
    fs = flow_settings()
    weeks = [
        r["week_date"]
        for r in sql.arrow(con, "flow/backlog_weeks", project_id=project_id, as_of=as_of).to_pylist()
    ]
    if not weeks:
        return []
    inputs = sorted(_inputs(con, weeks, project_id), key=lambda r: r[2])
    todo = [
        (u, p, list(offsets), int(rem), report, last, created, days)
        for u, p, report, rem, offsets, last, created, days in inputs
    ]
    out = []
    for f in _cached_many(todo, fs):
        out.append(
            {"report_date": f.as_of_date, "remaining_items": f.remaining_items, "note": f.note}
            | {f"p{p}_date": f.dates.get(p) for p in fs.percentiles}
        )
    return out


def epic_forecasts(con: Any, project_id: str, as_of: dt.date) -> list[dict[str, Any]]:
    """Per epic of the project: its remaining items and when they will be done, at the
    project's whole throughput (the team working on that epic alone: an optimistic bound)."""
    fs = flow_settings()
    rows = _inputs(con, [as_of], project_id)
    if not rows:
        return []
    _u, _p, report, _remaining, offsets, _last, _created, days = rows[0]
    history = daily_history(list(offsets), _days(days, fs))
    epics = sql.arrow(con, "flow/epic_remaining", as_of=as_of, project_id=project_id).to_pylist()
    all_days = simulate_when_many(
        [history] * len(epics), [int(e["remaining_items"]) for e in epics], fs.runs, fs.seed, fs.horizon_days
    )
    out = []
    for e, days in zip(epics, all_days, strict=True):
        row = {k: e[k] for k in ("epic_key", "epic_title", "items", "remaining_items")}
        for p in fs.percentiles:
            d = None if days is None else int(nearest_rank(days, p))
            row[f"p{p}_date"] = (
                report + dt.timedelta(days=d) if d is not None and d <= fs.horizon_days else None
            )
        row["note"] = (
            "every item done"
            if int(e["remaining_items"]) == 0
            else ""
            if days is not None
            else "no throughput in the window"
        )
        if int(e["remaining_items"]) == 0:
            row |= {f"p{p}_date": None for p in fs.percentiles}
        out.append(row)
    return out


def how_many_by(con: Any, project_id: str, as_of: dt.date, by: dt.date) -> dict[str, Any] | None:
    """How many of the items left the project will have done between its report date and
    `by`: at 50/85/95 % confidence, at least this many (nearest-rank percentiles 50/15/5 of
    the runs), never more than are left (a date past the 95 % finish read "at least 132" of
    15 items left)."""
    fs = flow_settings()
    rows = _inputs(con, [as_of], project_id)
    if not rows:
        return None
    _u, _p, report, remaining, offsets, _last, _created, days = rows[0]
    totals = simulate_how_many(
        daily_history(list(offsets), _days(days, fs)), (by - report).days, fs.runs, fs.seed
    )
    return {"report_date": report, "by_date": by, "remaining_items": int(remaining)} | {
        f"at_least_p{p}": min(int(remaining), int(nearest_rank(totals, 100 - p))) for p in fs.percentiles
    }


# ------------------------------------------------------------------ page data and exports

BY_LEVELS = ("all", "portfolio", "team", "project")


def flow_page(
    con: Any,
    as_of: dt.date,
    by: str = "all",
    scope: str = "",
    portfolios: tuple[str, ...] = (),
    programmes: tuple[str, ...] = (),
    by_date: dt.date | None = None,
) -> dict[str, Any]:
    """Everything the Flow page shows, for one level (all, portfolio, team or project) and
    optionally one scope of it: the flow summary, throughput per week, cycle times with
    their percentiles, work in progress with its age, cumulative flow, the project
    forecasts; for one project also its forecast distribution, the trend of its 85 % date,
    its epics and how many items it will have done by `by_date` (how_many_by)."""
    if by not in BY_LEVELS:
        raise ValueError(f"level must be one of {', '.join(BY_LEVELS)}, not {by!r}")
    fs = flow_settings()
    p: dict[str, Any] = {
        "as_of": as_of,
        "by": by,
        "scope": scope,
        "window_days": fs.window_days,
        "portfolios": list(portfolios),
        "programmes": list(programmes),
    }
    out: dict[str, Any] = {
        name: sql.df(con, f"flow/{name}", **p)
        for name in ("summary", "throughput", "cycle_times", "wip_age", "cumulative_flow")
    }
    out["forecasts"] = sql.df(
        con, "flow/forecasts", as_of=as_of, portfolios=list(portfolios), programmes=list(programmes)
    )
    if by == "project" and scope:
        out["forecast"], out["forecast_reason"] = project_forecast(con, scope, as_of)
        out["trend"] = forecast_trend(con, scope, as_of)
        out["epics"] = epic_forecasts(con, scope, as_of)
        if by_date is not None:
            out["how_many"] = how_many_by(con, scope, as_of, by_date)
    return out


def _store_con(store: Any) -> Any:
    return store.connect()


def _flow_page(store: Any, as_of: dt.date, by: str) -> Any:
    """The Flow page's data (epmo.pagedata.flow) for every portfolio: the exports show what
    the page shows."""
    from epmo.pagedata import Filters
    from epmo.pagedata import flow as pages

    con = _store_con(store)
    try:
        return pages.flow(con, Filters(as_of), by=by)
    finally:
        con.close()


def export_flow_metrics(store: Any, as_of: dt.date, by: str | None = None) -> Any:
    """View flow_metrics: the flow summary per project (or --by team, portfolio, all)."""
    by = by or "project"
    if by not in BY_LEVELS:
        raise ValueError(f"flow_metrics: --by is one of {', '.join(BY_LEVELS)}")
    return _flow_page(store, as_of, by).summary


def export_flow_forecast(store: Any, as_of: dt.date) -> Any:
    """View flow_forecast: per project with work items, the Monte Carlo dates and the RAG."""
    return _flow_page(store, as_of, "all").forecasts
