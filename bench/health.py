"""Timings of every health query (the data work of Home, Portfolio health, What changed,
Data quality and Project) on a demo store. Prints figures; asserts nothing.

    EPMO_STORE=/tmp/epmo-medium .venv/bin/python -m epmo demo --scale medium
    EPMO_STORE=/tmp/epmo-medium .venv/bin/python bench/health.py [--runs 20]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from epmo import health, sql  # noqa: E402
from epmo.ingest import latest_reporting_day  # noqa: E402
from epmo.store import Store  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--as-of", type=dt.date.fromisoformat)
    args = ap.parse_args()
    store = Store()
    weeks = store.rows("ledger/reporting_weeks")
    as_of = args.as_of or (weeks[0]["as_of_date"] if weeks else latest_reporting_day())
    t0 = time.perf_counter()
    con = store.connect()
    connect_s = time.perf_counter() - t0
    ids = [
        r["project_id"]
        for r in sql.arrow(con, "project/projects", as_of=as_of, portfolios=[], programmes=[]).to_pylist()
    ]
    params = {
        "as_of": as_of,
        "previous": health.previous_week(as_of),
        "since": health.previous_week(as_of),
        "portfolios": [],
        "programmes": [],
        "level": "portfolio",
        "project_id": "",
        "project_ids": ids[:6],
        "limit": 5,
    }
    print(f"store {store.uri}: {len(ids)} projects as of {as_of}; connect {connect_s * 1000:.0f} ms")
    print(f"{'query':34s} {'rows':>7s} {'first ms':>9s} {'median ms':>10s} {'p95 ms':>8s}")
    for name in [*sql.names("health"), *sql.names("project")]:
        q = sql.query(name)
        one = {"project_id": ids[0]} if name.startswith("project/") else {}
        bound = {k: (params | one)[k] for k in q.params}
        times = []
        rows = 0
        for _ in range(args.runs):
            t = time.perf_counter()
            rows = sql.arrow(con, name, **bound).num_rows
            times.append((time.perf_counter() - t) * 1000)
        p95 = sorted(times)[max(0, int(len(times) * 0.95) - 1)]
        print(f"{name:34s} {rows:7d} {times[0]:9.1f} {statistics.median(times):10.1f} {p95:8.1f}")
    con.close()


if __name__ == "__main__":
    main()
