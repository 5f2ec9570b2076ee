"""Capacity benchmark: heatmap and what-if recompute times at the medium demo scale.

Run: .venv/bin/python bench/capacity.py [STORE]  (default: $EPMO_STORE, else a fresh medium
demo in a temporary folder). Prints one line per measure: the median and the worst of
several runs, in milliseconds, of the DuckDB queries a page run makes.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from epmo import capacity, demo, sql  # noqa: E402
from epmo.capacity import Change, Scenario  # noqa: E402
from epmo.store import Store  # noqa: E402

RUNS = 7
END = dt.date(2026, 11, 20)


def timed(label: str, func: Callable[[], object]) -> object:
    times, result = [], None
    for _ in range(RUNS):
        t0 = time.perf_counter()
        result = func()
        times.append((time.perf_counter() - t0) * 1000)
    print(f"{label:<58} median {statistics.median(times):7.1f} ms   worst {max(times):7.1f} ms")
    return result


def main() -> None:
    uri = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("EPMO_STORE", "")
    scratch = None
    if not uri or not Store(uri).exists():
        scratch = tempfile.mkdtemp(prefix="epmo-bench-")
        uri = str(Path(scratch) / "store")
        t0 = time.perf_counter()
        print(demo.load_demo(Store(uri), scale="medium", seed=7, end=END))
        print(f"(demo loaded in {time.perf_counter() - t0:.1f} s)")
    store = Store(uri)
    con = store.connect()
    as_of = store.rows("ledger/reporting_weeks")[0]["as_of_date"]
    t0 = time.perf_counter()
    projects = capacity.run(con, "capacity/projects_with_demand", capacity.query_params(as_of))
    print(f"first query of the week (prepares its memo): {(time.perf_counter() - t0) * 1000:.0f} ms")
    sizes = {
        name: con.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0]  # noqa: S608 (fixed names)
        for name in ("demand_memo", "demand_segment_memo", "demand_month_memo", "supply_memo")
    }
    print("memo rows: " + ", ".join(f"{k} {v:,}" for k, v in sizes.items()))
    alloc = len(sql.df(con, "export/allocations", as_of=as_of))
    print(
        f"store {uri}, as of {as_of}: {len(projects)} projects with demand, {alloc:,} allocation rows as of"
    )

    timed(
        "baseline heatmap, month x role", lambda: capacity.utilisation(con, as_of, grain="month", by="role")
    )
    timed(
        "baseline heatmap, week x role_team, 12 months",
        lambda: capacity.utilisation(con, as_of, grain="week", by="role_team", horizon_months=12),
    )
    timed(
        "baseline heatmap, week x role",
        lambda: capacity.utilisation(con, as_of, grain="week", by="role"),
    )
    timed(
        "baseline heatmap, quarter x person",
        lambda: capacity.utilisation(con, as_of, grain="quarter", by="person"),
    )
    timed("shortage table, month x role", lambda: capacity.shortage(con, as_of, grain="month", by="role"))
    timed(
        "drill-down of one cell",
        lambda: capacity.cell_demand(con, as_of, capacity.month_start(as_of, 1), role="Developer"),
    )
    ids = projects["project_id"].tolist()
    scenario = Scenario(
        (
            Change("exclude", project_id=ids[0]),
            Change("exclude", project_id=ids[1]),
            Change("shift", project_id=ids[2], weeks=6),
            Change("shift", project_id=ids[3], weeks=-2),
            Change("scale", project_id=ids[4], percent=50),
            Change(
                "capacity", role="Developer", from_month=capacity.month_start(as_of, 2), hours_per_week=75
            ),
            Change(
                "capacity", role="Tester", from_month=capacity.month_start(as_of, 1), hours_per_week=-37.5
            ),
        )
    )

    def what_if() -> object:
        base = capacity.utilisation(con, as_of, grain="month", by="role")
        scn = capacity.utilisation(con, as_of, grain="month", by="role", scenario=scenario)
        return capacity.compare(base, scn)

    baseline = capacity.utilisation(con, as_of, grain="month", by="role")
    timed(
        "heatmap page: cells + shortage + past demand",
        lambda: (
            capacity.utilisation(con, as_of),
            capacity.shortage(con, as_of),
            capacity.past_demand(con, as_of),
        ),
    )
    timed(
        "what-if change: scenario cells + compare (baseline cached)",
        lambda: capacity.compare(baseline, capacity.utilisation(con, as_of, scenario=scenario)),
    )
    changed = timed("what-if from cold: baseline + scenario + compare", what_if)
    timed(
        "optimiser inputs: project_role_demand + role_supply",
        lambda: (capacity.project_role_demand(con, as_of), capacity.role_supply(con, as_of)),
    )
    print(f"cells changing band in the what-if: {int(changed['band_changed'].sum())}")  # type: ignore[index]
    con.close()
    if scratch:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
