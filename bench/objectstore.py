"""The store on S3 against the store on a local disk: the same demo, the same reads.

Run: .venv/bin/python bench/objectstore.py [--scale small|medium] [--runs 5]

Loads the demo twice, into a temporary directory and into a moto S3 server started on
127.0.0.1 (tests/objectstore.py), then times, on each, the steps of a page run: reading
the snapshot (the Delta logs), building a connection (the views and memo tables, which read
the Parquet files), Home's headline query, the projects export, and `check`. Prints the
median and worst of --runs, in milliseconds. moto is a local process: a real object store
adds its network round trips to every "snapshot" and "connect" (docs/deployment.md).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from epmo import demo, integrity, sql  # noqa: E402
from epmo.store import Store  # noqa: E402
from tests.objectstore import moto_server, new_prefix, s3_env  # noqa: E402

END = dt.date(2026, 11, 20)


def timed(func: Callable[[], object], runs: int) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        func()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), max(times)


def measures(store: Store) -> dict[str, Callable[[], object]]:
    snap = store.snapshot(fresh=True)
    con = store.connect(snap)
    params = {"as_of": END, "previous": END - dt.timedelta(days=7), "portfolios": [], "programmes": []}
    return {
        "snapshot (Delta logs)": lambda: store.snapshot(fresh=True),
        "connect (views, memo tables)": lambda: store.connect(snap).close(),
        "health/headline": lambda: sql.arrow(con, "health/headline", **params),
        "export/projects": lambda: sql.arrow(con, "export/projects", as_of=END),
        "check": lambda: integrity.check(store),
    }


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--scale", default="small", choices=("small", "medium", "large"))
    p.add_argument("--runs", type=int, default=5)
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp, moto_server() as endpoint:
        local = Store(str(Path(tmp) / "store"))
        t0 = time.perf_counter()
        demo.load_demo(local, scale=args.scale, seed=3, end=END)
        load_local = time.perf_counter() - t0
        os.environ.update(s3_env(endpoint))
        remote = Store(new_prefix("bench"))
        t0 = time.perf_counter()
        demo.load_demo(remote, scale=args.scale, seed=3, end=END)
        load_s3 = time.perf_counter() - t0
        print(f"scale {args.scale}, {args.runs} runs, load average {os.getloadavg()[0]:.1f}")
        print(
            f"{'demo load (one commit per table)':<32} local {load_local * 1000:8.0f} ms   s3 {load_s3 * 1000:8.0f} ms"
        )
        a, b = measures(local), measures(remote)
        for name in a:
            lm, lw = timed(a[name], args.runs)
            sm, sw = timed(b[name], args.runs)
            print(
                f"{name:<32} local {lm:8.1f} ms (worst {lw:7.1f})   s3 {sm:8.1f} ms (worst {sw:7.1f})   x{sm / lm:4.1f}"
            )


if __name__ == "__main__":
    main()
