"""What a store connection costs: a DuckDB database of its own with every macro and view
defined on it (register_snapshot: the explorer's sandbox, the app's threaded connection)
against a cursor of the process's shared catalog (Store.connect: everything else).

    .venv/bin/python bench/connection.py --store /tmp/epmo-medium [--repeats 20]

Prints the median wall and CPU milliseconds of each (CPU: this process, all threads), after
one untimed connection of each kind (the shared catalog is built then). Asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from epmo import sql  # noqa: E402
from epmo.store import Store, default_store_uri, register_snapshot  # noqa: E402


def _time(fn: Callable[[], None], repeats: int) -> tuple[float, float]:
    fn()  # untimed: the shared catalog is built on the first shared connection
    walls, cpus = [], []
    for _ in range(repeats):
        w, c = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return statistics.median(walls) * 1000, statistics.median(cpus) * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--store", default=default_store_uri())
    ap.add_argument("--repeats", type=int, default=20)
    args = ap.parse_args()
    store = Store(args.store)
    snap = store.snapshot()

    def own() -> None:
        con = sql.connect()
        register_snapshot(con, snap)
        con.close()

    def shared() -> None:
        store.connect(snap).close()

    files = sum(len(f) for f in snap.files.values())
    print(f"store {args.store}: {files} data files, median of {args.repeats}")
    for label, fn in (("a database of its own", own), ("a cursor of the shared catalog", shared)):
        wall, cpu = _time(fn, args.repeats)
        print(f"{label:<32} wall {wall:7.1f} ms   cpu {cpu:7.1f} ms")


if __name__ == "__main__":
    main()
