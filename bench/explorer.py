"""Explorer timings and the lazy-views vs materialised-tables choice; prints figures.

    EPMO_STORE=/tmp/store .venv/bin/python -m epmo demo --scale medium
    EPMO_STORE=/tmp/store .venv/bin/python bench/explorer.py

Each explorer query opens its own sandbox connection, so the cost of opening one matters:
the explorer keeps the store's Parquet files behind views (read lazily, only the files of
the snapshot allowed) rather than copying every table into the connection first. This
script measures both, and the queries analysts run most.
"""

from __future__ import annotations

import datetime as dt
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from epmo import contract, sandbox  # noqa: E402
from epmo.store import Store  # noqa: E402

QUERIES = {
    "count projects (as-of view)": "SELECT count(*) FROM projects",
    "RAG by portfolio (project_health)": "SELECT portfolio, rag_computed, count(*) FROM project_health GROUP BY ALL",
    "history: rows per week (raw_projects)": (
        "SELECT u.as_of_date, count(*) FROM raw_projects p JOIN uploads u USING (upload_id) GROUP BY ALL"
    ),
    "allocations hours by role (as-of view)": "SELECT role, sum(hours) FROM allocations GROUP BY ALL",
    "summarize allocations": "SUMMARIZE allocations",
    "10,000-row cap (raw_allocations)": "SELECT * FROM raw_allocations",
}


def timed(label: str, fn, repeat: int = 3) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    print(f"{label:<48} {best * 1000:8.0f} ms")
    return best


def main() -> None:
    store = Store()
    snap = store.snapshot()
    weeks = store.frame("ledger/reporting_weeks")
    if weeks.empty:
        sys.exit(f"no data in {store.uri}: load the demo first")
    as_of = weeks["as_of_date"].iloc[0]
    as_of = as_of.date() if hasattr(as_of, "date") else as_of
    assert isinstance(as_of, dt.date)
    limits = sandbox.Limits.from_settings()
    print(f"store {store.uri}, as of {as_of}; limits {limits}")
    print(f"snapshot files: {sum(len(f) for f in snap.files.values())}")

    def open_close() -> None:
        sandbox.connect(snap, as_of, limits).close()

    timed("open a sandbox connection (lazy views, locked)", open_close)

    def materialised() -> None:
        con = store.connect(snap, threads=limits.threads)
        for t in contract.TABLE_NAMES:
            con.execute(f"CREATE TABLE m_{t} AS SELECT * FROM raw_{t}")  # noqa: S608 (contract names)
        mem = con.sql("SELECT sum(memory_usage_bytes) FROM duckdb_memory()").fetchall()[0][0]
        print(f"{'  materialised tables in memory':<48} {mem / 2**20:8.0f} MiB")
        con.close()

    timed("open + materialise every raw table instead", materialised, repeat=1)
    timed("schema help (every view's columns)", lambda: sandbox.schema(snap, as_of))
    for label, text in QUERIES.items():
        timed(f"query: {label}", lambda text=text: sandbox.run(snap, text, as_of, limits=limits))
    library = [q for q in sandbox.library() if q.runnable]
    t = time.perf_counter()
    for q in library:
        defaults = sandbox.param_defaults(q.params, as_of)
        params = {p: sandbox.parse_param(sandbox.param_kind(q.text, p), defaults[p], p) for p in q.params}
        sandbox.run(snap, q.text, as_of, params, limits=limits)
    print(
        f"{f'all {len(library)} runnable library queries, defaults':<48} {(time.perf_counter() - t):8.1f} s"
    )
    cross = "SELECT count(*) FROM raw_allocations a, raw_allocations b"
    short = sandbox.Limits.from_settings(time_limit_s=2)
    t = time.perf_counter()
    try:
        sandbox.run(snap, cross, as_of, limits=short)
    except sandbox.TimedOut:
        pass
    print(f"{'cross join stopped by a 2 s limit after':<48} {(time.perf_counter() - t):8.2f} s")
    print(f"peak RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
