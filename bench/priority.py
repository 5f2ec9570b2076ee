"""Timings of ranking, sensitivity, the optimiser and the frontier at demo scale.

Run: .venv/bin/python bench/priority.py [--store URI] [--scale medium] [--as-of YYYY-MM-DD]
Without --store, the demo portfolio at --scale is generated into a temporary store first.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from epmo import demo, priority  # noqa: E402
from epmo.priority import scoring  # noqa: E402
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
        timed(
            f"frontier {steps} levels ({basis}{', capacity' if cap else ''})",
            lambda r=res, k=steps: priority.efficient_frontier_of(r.problem, k),
            repeat=1,
        )
    con.close()


if __name__ == "__main__":
    main()
