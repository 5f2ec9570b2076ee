"""Timings of ranking, sensitivity, the optimiser and the frontier at demo scale.

Run: .venv/bin/python bench/priority.py [--store URI] [--scale medium] [--as-of YYYY-MM-DD]
         [--frontier-only | --browser RUNS [--capacity]]
Without --store, the demo portfolio at --scale is generated into a temporary store first.
The frontier is timed by its dynamic programme (where it applies: no capacity rows, costs
in whole cents) and by its MILPs with one solver (this thread) and two (this thread and a
worker process), then as the frontier tab gets it (page data with the chart's callback): seconds
to the first point and to the last, with the worker started then or ahead. Each frontier
line gives the load average: the machine's cores are shared.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from epmo import demo, priority  # noqa: E402
from epmo.priority import optimise, scoring  # noqa: E402
from epmo.store import Store  # noqa: E402

DEMO_END = dt.date(2026, 11, 20)


def timed(label: str, func: Callable[[], Any], repeat: int = 3) -> Any:
    best = float("inf")
    out = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        with priority.native_output_to_stderr():  # HiGHS progress lines stay off the report
            out = func()
        best = min(best, time.perf_counter() - t0)
    print(f"{label:<58} {best * 1000:9.1f} ms")
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--store")
    ap.add_argument("--scale", default="medium", choices=["small", "medium", "large"])
    ap.add_argument("--as-of", type=dt.date.fromisoformat)
    ap.add_argument("--frontier-only", action="store_true", help="only the frontier tab's page data")
    ap.add_argument(
        "--browser", type=int, metavar="RUNS", default=0, help="only the frontier tab in Chromium, RUNS times"
    )
    ap.add_argument(
        "--capacity", action="store_true", help="with --browser: the page's Fit capacity toggle on"
    )
    args = ap.parse_args()
    if args.store:
        store = Store(args.store)
        as_of = args.as_of or DEMO_END
    else:
        path = Path(tempfile.mkdtemp()) / "store"
        t0 = time.perf_counter()
        demo.load_demo(Store(str(path)), scale=args.scale, seed=7, end=DEMO_END)
        print(f"demo {args.scale} generated in {time.perf_counter() - t0:.1f} s")
        store, as_of = Store(str(path)), args.as_of or DEMO_END
    if args.browser:
        browser_frontier(store.uri, args.browser, capacity=args.capacity)
        return
    if args.frontier_only:
        frontier_first_point(store, as_of, args.scale)
        return
    con = store.connect()
    cands = timed("candidates query", lambda: priority.candidates(con, as_of))
    print(f"  {len(cands):,} candidates as of {as_of}")
    timed("dependencies query", lambda: priority.dependencies(con, as_of))
    demand, supply = timed(
        "capacity_inputs (demand + supply queries)", lambda: priority.capacity_inputs(con, as_of)
    )
    print(f"  {len(demand):,} demand rows, {len(supply):,} supply rows")
    for name in ("weighted", "wsjf", "rice"):
        model = priority.resolve_model(None, name)
        timed(f"ranking ({name})", lambda m=model: scoring.score(cands, m))
    for name in ("weighted", "wsjf", "rice"):
        model = priority.resolve_model(None, name)
        timed(
            f"sensitivity 1,000 runs ({name})",
            lambda m=model: scoring.sensitivity(cands, m, runs=1000),
            repeat=1,
        )
    model = priority.resolve_model(None, "weighted")
    budget = float(cands.loc[cands["is_current"], "budget_bac"].sum())
    for basis, cap in (("bac", False), ("remaining", False), ("bac", True)):
        scn = priority.Scenario(budget=budget, basis=basis, with_capacity=cap)
        res = timed(
            f"optimiser incl. queries ({basis}{', capacity' if cap else ''})",
            lambda s=scn: priority.select(con, as_of, model, s, frame=cands),
            repeat=1,
        )
        sel = res.selection
        info = f"{len(sel.chosen)} chosen, score {sel.total_score:.4g}" if sel else res.error
        print(
            f"  {len(res.problem.capacity)} capacity rows, {len(res.problem.dependencies)} dependencies: {info}"
        )
        steps = 21
        label = f"{basis}{', capacity' if cap else ''}"
        for way, workers, dp in (
            ("programme", 1, True),
            ("MILP, 1 solver", 1, False),
            ("MILP, 2 solvers", 2, False),
        ):
            front = timed(
                f"frontier {steps} levels ({label}), {way}",
                lambda r=res, k=steps, w=workers, d=dp: optimise.frontier(
                    r.problem, k, workers=w, exact_dp=d
                ),
                repeat=1,
            )
            print(f"  {dict(front.attrs)}; load average {os.getloadavg()[0]:.1f}")
    con.close()
    frontier_first_point(store, as_of, args.scale)


def frontier_first_point(store: Store, as_of: dt.date, scale: str) -> None:
    """The frontier tab's page data (pagedata.priority.frontier_levels) with the chart's
    callback: seconds to the first solved point and to the last, workers cold and warm,
    without the capacity constraints (the tab's default) and with them."""
    con = store.connect()
    for with_capacity in (False, True):
        _frontier_tab(con, as_of, scale, with_capacity)
    con.close()


def _frontier_tab(con: Any, as_of: dt.date, scale: str, with_capacity: bool) -> None:
    from epmo.pagedata import Filters
    from epmo.pagedata import priority as pages

    scenario = pages.default_scenario(con, Filters(as_of), with_capacity)
    pages.frontier_levels(con, Filters(as_of), scenario, steps=2)  # the queries warm, as on the page
    for how in ("worker started now", "worker started ahead"):
        if how == "worker started ahead":
            optimise.prestart_worker()
            time.sleep(3)  # what the page gives it: the selection page loads before the tab opens
        else:
            optimise._stop_spare()
        firsts: list[float] = []
        kids0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu0 = time.process_time()
        t0 = time.perf_counter()

        def seen(rows: Any, done: int, steps: int, firsts: list[float] = firsts, t0: float = t0) -> None:
            if rows["is_feasible"].any() and not firsts:
                firsts.append(time.perf_counter() - t0)

        data = pages.frontier_levels(con, Filters(as_of), scenario, on_level=seen)
        total = time.perf_counter() - t0
        cpu = time.process_time() - cpu0
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        worker_cpu = kids.ru_utime + kids.ru_stime - kids0.ru_utime - kids0.ru_stime
        print(
            f"frontier tab page data, {scale}, capacity {'on' if with_capacity else 'off'}, {how}: first point {firsts[0]:.2f} s, last {total:.2f} s; "
            f"cpu {cpu:.2f} s here, {worker_cpu:.2f} s in workers "
            f"({dict(data.frontier.attrs)}; load average {os.getloadavg()[0]:.1f})"
        )


_FIRST_JS = """() => Array.from(document.querySelectorAll('[data-testid="stPlotlyChart"]')).some(
  el => el.offsetParent !== null && el.textContent.includes('current portfolio') && el.querySelector('.main-svg'))"""
_LAST_JS = """() => document.body.innerText.includes('Best total score at')
  && !document.querySelector('[data-testid="stProgress"]')
  && !document.querySelector('[data-testid="stStatusWidget"]')
  && Array.from(document.querySelectorAll('[data-testid="stPlotlyChart"]')).some(
       el => el.offsetParent !== null && el.textContent.includes('current portfolio') && el.querySelector('.main-svg'))"""


def _tree_cpu_s(pid: int, skip: int | None = None) -> float:
    """User + system CPU seconds of a process and its live descendants (not `skip`'s tree)."""
    from bench.harness.app import _children

    tick = os.sysconf("SC_CLK_TCK")
    total, todo, seen = 0.0, [pid], set()
    while todo:
        p = todo.pop()
        if p in seen or p == skip:
            continue
        seen.add(p)
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
        except (OSError, ValueError, IndexError):
            pass
        todo += _children(p)
    return total


def browser_frontier(store_uri: str, runs: int, capacity: bool = False) -> None:
    """Seconds from a click on the Efficient frontier tab to the first chart and to the last
    point (the caption under the chart is written once every level is in), in headless
    Chromium against a real `streamlit run`; a new server and browser per run, so nothing is
    cached. Each run also gives the CPU seconds the server (with any worker process) and the
    browser spent from the click to the last point, and the load average. `capacity`: the
    page's "Fit capacity" toggle is switched on first (the selection solves again), so the
    frontier is the MILPs' with the capacity rows."""
    import statistics

    from bench.harness import app as harness

    lasts: list[float] = []
    for run in range(1, runs + 1):
        with harness.streamlit_app(store_uri) as (url, pid), harness._browser() as browser:
            page = harness._new_page(browser)
            page.goto(f"{url}/priority_selection", wait_until="commit", timeout=120_000)
            page.get_by_text("Projects chosen").wait_for(timeout=120_000)
            page.wait_for_function(
                "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=120_000
            )
            if capacity:
                page.get_by_text("Fit capacity").click()
                page.wait_for_timeout(500)
                page.wait_for_function(
                    "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=120_000
                )
                page.get_by_text("Projects chosen").wait_for(timeout=120_000)
            page.wait_for_timeout(1000)  # the user reads the selection before opening the tab
            server0, browser0 = _tree_cpu_s(pid), _tree_cpu_s(os.getpid(), skip=pid)
            t0 = time.perf_counter()
            page.get_by_role("tab", name="Efficient frontier").click()
            page.wait_for_function(_FIRST_JS, timeout=300_000, polling=50)
            first = time.perf_counter() - t0
            page.wait_for_function(_LAST_JS, timeout=300_000, polling=50)
            last = time.perf_counter() - t0
            server = _tree_cpu_s(pid) - server0
            browser_cpu = _tree_cpu_s(os.getpid(), skip=pid) - browser0
            lasts.append(last)
            print(
                f"browser run {run}{' (capacity on)' if capacity else ''}: frontier tab clicked -> first chart {first:.2f} s, last point {last:.2f} s; "
                f"cpu server {server:.2f} s, browser and bench {browser_cpu:.2f} s "
                f"(load average {os.getloadavg()[0]:.1f})",
                flush=True,
            )
    print(
        f"browser, {runs} runs: last point median {statistics.median(lasts):.2f} s "
        f"(min {min(lasts):.2f}, max {max(lasts):.2f})"
    )


if __name__ == "__main__":
    main()
