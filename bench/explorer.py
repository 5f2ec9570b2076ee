"""Explorer timings and the lazy-views vs materialised-tables choice; prints figures.

    EPMO_STORE=/tmp/store .venv/bin/python -m epmo demo --scale medium
    EPMO_STORE=/tmp/store .venv/bin/python bench/explorer.py [--skip-library]

The worker process (epmo/sandbox_worker.py): the per-query overhead (a trivial query's wall
time in this process, the old path, against a warm worker and a cold one), the kill time of
a query DuckDB cannot interrupt (the limit against when the worker was gone), and this
process's memory around a 1 GB result (cut in the worker at the byte cap).

Each explorer query opens its own sandbox connection, so the cost of opening one matters:
the explorer keeps the store's Parquet files behind views (read lazily, only the files of
the snapshot allowed) rather than copying every table into the connection first. This
script measures both, and the queries analysts run most.
"""

from __future__ import annotations

import datetime as dt
import re
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from epmo import contract, sandbox, sandbox_worker  # noqa: E402
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


LEVENSHTEIN = "SELECT levenshtein(repeat('a',30000), repeat('b',30000)||range::VARCHAR) FROM range(40)"
WIDE = "SELECT repeat('x',100000)||range AS s FROM range(10000)"


def rss_mb() -> float:
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024  # type: ignore[union-attr]


def load() -> str:
    return Path("/proc/loadavg").read_text().split()[0]


def worker_figures(snap, as_of: dt.date, limits: sandbox.Limits, runs: int = 7) -> None:  # type: ignore[no-untyped-def]
    print(f"\n-- worker process (load average {load()} on this machine)")
    trivial = "SELECT count(*) FROM projects"

    def in_process() -> None:  # the path before the worker: a sandbox connection here
        con = sandbox.connect(snap, as_of, limits)
        try:
            sandbox.execute(con, trivial, as_of, None, limits)
        finally:
            con.close()

    def warm() -> None:
        sandbox.run(snap, trivial, as_of, limits=limits)

    figures: dict[str, list[float]] = {
        "in process (before)": [],
        "warm worker": [],
        "recycled worker": [],
        "cold worker": [],
    }
    sandbox_worker.POOL.close()
    sandbox_worker.POOL.warm = False
    for _ in range(runs):  # interleaved, so that the machine's load falls on each alike
        t = time.perf_counter()
        in_process()
        figures["in process (before)"].append(time.perf_counter() - t)
        t = time.perf_counter()
        warm()  # no idle worker: spawned for the query
        figures["cold worker"].append(time.perf_counter() - t)
        sandbox.prewarm()
        sandbox_worker.POOL.wait_ready(60)  # an analyst's typing: the warm worker is ready
        t = time.perf_counter()
        warm()
        figures["warm worker"].append(time.perf_counter() - t)
        sandbox_worker.POOL.wait_ready(60)  # the same worker, its database closed, prepared again
        t = time.perf_counter()
        warm()
        figures["recycled worker"].append(time.perf_counter() - t)
        sandbox_worker.POOL.warm = False
        sandbox_worker.POOL.close()
    base = statistics.median(figures["in process (before)"])
    for label, values in figures.items():
        med = statistics.median(values)
        print(
            f"{'trivial query, ' + label:<48} {med * 1000:8.0f} ms median, {min(values) * 1000:.0f} min"
            f" (overhead {(med - base) * 1000:+.0f} ms)"
        )
    sandbox.prewarm()
    for limit in (2.0, limits.time_limit_s):
        sandbox_worker.POOL.wait_ready(60)
        t = time.perf_counter()
        try:
            sandbox.run(snap, LEVENSHTEIN, as_of, limits=sandbox.Limits.from_settings(time_limit_s=limit))
            print("levenshtein query answered?!")
        except sandbox.TimedOut as exc:
            wall = time.perf_counter() - t
            print(
                f"{f'levenshtein killed, limit {limit:g} s: worker gone after':<48} {exc.seconds:8.2f} s "
                f"(wall {wall:.2f} s with the start; pid {exc.pid} gone: {not Path(f'/proc/{exc.pid}').exists()})"
            )
    sandbox_worker.POOL.wait_ready(60)
    sandbox.run(snap, "SELECT 1", as_of)
    before = rss_mb()
    t = time.perf_counter()
    result = sandbox.run(snap, WIDE, as_of)
    wall = time.perf_counter() - t
    after = rss_mb()
    print(
        f"{'1 GB result (repeat x 10,000): rows shown':<48} {len(result.frame):8,} "
        f"in {wall:.2f} s; this process {before:.0f} -> {after:.0f} MB RSS; {result.notice}"
    )
    del result
    print(f"{'  after the result is dropped':<48} {rss_mb():8.0f} MB RSS")


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
    worker_figures(snap, as_of, limits)
    if "--skip-library" in sys.argv:
        return
    print()

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
    sandbox.prewarm()
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
