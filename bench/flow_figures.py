"""Figures of the Flow page and the Monte Carlo forecasts on an existing store (docs/flow.md,
Performance): CPU of one DuckDB thread, so that they say what the work costs rather than how
busy the shared machine is.

    python bench/flow_figures.py --store /tmp/fp_medium [--as-of 2026-11-20] [--runs 9]

Prints: the forecasts of the week's backlogs (flow.prepare_forecasts on a fresh connection:
inputs query, Monte Carlo, memo insert), Home's first load on another fresh connection (it
prepares the health, and so the forecasts, of two weeks), then the Flow page data warm
(median CPU and wall time, p95 wall) and each of its queries warm (median CPU).
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from epmo import flow, pagedata, sql  # noqa: E402
from epmo.store import Store  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--store", required=True)
    ap.add_argument("--as-of", default="2026-11-20")
    ap.add_argument("--runs", type=int, default=9)
    a = ap.parse_args()
    week = dt.date.fromisoformat(a.as_of)
    store = Store(a.store)

    con = store.connect(threads=1)
    cur = con.cursor()
    t = time.process_time()
    n = flow.prepare_forecasts(cur, [week])
    print(f"forecasts of the week: {n} backlogs in {time.process_time() - t:.3f} s CPU")
    con.close()
    flow._CACHE.clear()  # the next connection computes them again

    con = store.connect(threads=1)
    t = time.process_time()
    pagedata.portfolio.home(con, pagedata.Filters(week))
    print(f"Home, first load on a new connection: {time.process_time() - t:.2f} s CPU")
    pagedata.flow.flow(con, pagedata.Filters(week))  # its memos
    cpu, wall = [], []
    for _ in range(a.runs):
        t, w = time.process_time(), time.perf_counter()
        pagedata.flow.flow(con, pagedata.Filters(week))
        cpu.append(time.process_time() - t)
        wall.append(time.perf_counter() - w)
    p95 = sorted(wall)[max(0, -(-95 * len(wall) // 100) - 1)]
    print(
        f"Flow page data, warm ({a.runs} runs): CPU median {statistics.median(cpu) * 1000:.0f} ms; "
        f"wall median {statistics.median(wall) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms"
    )
    p = {"as_of": week, "by": "all", "scope": "", "window_days": 84, "portfolios": [], "programmes": []}
    parts = []
    for name in ("summary", "cumulative_flow", "forecasts", "cycle_times", "wip_age", "throughput"):
        kw = p if name != "forecasts" else {"as_of": week, "portfolios": [], "programmes": []}
        ts = []
        for _ in range(a.runs):
            t = time.process_time()
            sql.df(con, f"flow/{name}", **kw)
            ts.append(time.process_time() - t)
        parts.append(f"{name} {statistics.median(ts) * 1000:.0f}")
    print("each query warm, CPU median ms: " + ", ".join(parts))


if __name__ == "__main__":
    main()
