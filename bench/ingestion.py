"""Ingestion benchmark: the full upload path against DuckDB's bare read_csv of the same file.

    EPMO_STORE=/tmp/epmo-medium .venv/bin/python -m epmo demo --scale medium
    .venv/bin/python bench/ingestion.py --store /tmp/epmo-medium [--csv-rows 1000000]
        [--xlsx-rows 200000] [--repeats 3] [--work-dir /tmp/epmo-bench-ingestion] [--phases]
        [--processes [--code CHECKOUT]] [--weekly PROJECTS]

Prints one line per file (median of --repeats; the note lists every run). --phases also
times each phase of one CSV ingestion (read, map, connect, stage, each check, typed tables,
preview, duplicate check, commit). --processes times whole processes instead (`python -m
epmo ingest` from start to exit against a `python -c` doing the bare read; --code runs the
ingest of another checkout, for a before/after). --weekly times a project manager's small
weekly ZIP instead (checked, then ingested). Asserts nothing; see bench/NOTES-ingestion.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import ingestion  # noqa: E402
from epmo import sql  # noqa: E402
from epmo.ingest import _preview, sha256  # noqa: E402
from epmo.mapping import Mapping, map_upload  # noqa: E402
from epmo.readers import read_upload  # noqa: E402
from epmo.store import PreparedUpload, Store, default_store_uri  # noqa: E402
from epmo.validate import run_checks, stage, typed_tables  # noqa: E402


def phases(store: Store, path: Path, as_of: dt.date) -> None:
    """Time each phase of one full ingestion of `path` into `store` (a disposable copy)."""
    marks: list[tuple[str, float, float]] = []
    t, c = time.perf_counter(), time.process_time()

    def mark(name: str) -> None:
        nonlocal t, c
        now, cpu = time.perf_counter(), time.process_time()
        marks.append((name, now - t, cpu - c))
        t, c = now, cpu

    data = path.read_bytes()
    sheets = read_upload(path.name, data, max_file_mb=len(data) / 1e6 + 1)
    mark("read")
    mapped, _issues = map_upload(sheets, Mapping(), True)
    mark("map")
    con = store.connect()
    mark("connect (snapshot + views)")
    staged = stage(con, mapped)
    mark("stage")
    letters: dict[tuple[str, str, str], str] = {}
    params = {"ratio": 3.0, "days": 180, "previous_as_of": as_of - dt.timedelta(days=1)}
    for name in sql.names("checks"):
        q = sql.query(name)
        sql.arrow(staged.con, name, **{k: params[k] for k in q.params})
        mark(f"  {name}")
    del letters
    issues = run_checks(staged, as_of, mapped)
    mark(f"run_checks (all, {len(issues)} issues)")
    digest = sha256(data)
    mark("sha256 of the file")
    sql.arrow(con, "ledger/duplicate_upload", sha256=digest, as_of=as_of)
    mark("duplicate check (same connection)")
    tables = typed_tables(staged)
    mark("typed_tables")
    _preview(con, as_of, staged.tables)
    mark("preview")
    con.close()
    store.commit([PreparedUpload(as_of, tables, path.name, digest)])
    mark("commit")
    print(f"{'phase':<45} {'wall s':>8} {'cpu s':>8}  (cpu: this process, all threads)")
    for name, seconds, cpu in marks:
        print(f"{name:<45} {seconds:8.3f} {cpu:8.3f}")
    total = sum(s for n, s, _ in marks if not n.startswith("  "))
    total_cpu = sum(s for n, _, s in marks if not n.startswith("  "))
    print(f"{'total (indented lines are inside run_checks)':<45} {total:8.3f} {total_cpu:8.3f}")


def floor(store: Store, path: Path, as_of: dt.date, work_dir: Path) -> None:
    """What no ingestion design can avoid, each timed alone (median of 3): reading the
    file, in a parse child as every upload is read, and writing 1M typed rows as a
    Delta/Parquet append (what a commit must do); then their sum against the bare read."""
    import shutil
    import statistics

    import pyarrow.csv as pacsv
    from deltalake import write_deltalake

    from epmo import isolate
    from epmo.ingest import check_upload

    outcome = check_upload(store, path.name, path.read_bytes(), as_of, max_file_mb=1000)
    typed = outcome.tables["allocations"]
    medians: dict[str, float] = {}

    def timed(label: str, fn: object) -> None:
        walls, cpus = [], []
        for _ in range(3):
            isolate.prestart()  # a server has its fork server running: time the read only
            t, c = time.perf_counter(), time.process_time()
            fn()  # type: ignore[operator]
            walls.append(time.perf_counter() - t)
            cpus.append(time.process_time() - c)
        medians[label] = statistics.median(walls)
        print(f"{label:<58} {medians[label]:8.3f} {statistics.median(cpus):8.3f}")

    def delta_write() -> None:
        target = work_dir / "floor-delta"
        shutil.rmtree(target, ignore_errors=True)
        write_deltalake(str(target), typed, mode="append")

    data = path.read_bytes()
    print(f"{'step (median of 3)':<58} {'wall s':>8} {'cpu s':>8}  (cpu: this process)")
    timed("DuckDB bare read_csv (the baseline)", lambda: ingestion.bare_read_csv(path))
    timed("pyarrow read_csv, all columns as text", lambda: pacsv.read_csv(path))
    timed("file bytes -> RawSheet in this process (epmo.readers)", lambda: read_upload(path.name, data, 1000))
    timed(
        "file bytes -> RawSheet in a parse child (epmo.isolate)",
        lambda: isolate.read_upload(path.name, data, 1000),
    )
    timed("Delta append of the typed rows (1 file)", delta_write)
    bare = medians["DuckDB bare read_csv (the baseline)"]
    least = (
        medians["file bytes -> RawSheet in a parse child (epmo.isolate)"]
        + medians["Delta append of the typed rows (1 file)"]
    )
    print(
        f"the parse child and the append alone: {least:.3f} s = {least / bare:.2f}x the bare read "
        "(before mapping, typing, any check, the ledger)"
    )


def weekly(store_uri: str, work_dir: Path, projects: int, repeats: int) -> None:
    """A project manager's weekly update: a ZIP of a projects row and four milestones for
    each of `projects` projects of the store, checked as the Upload page checks it (a dry
    run, with its change preview), then checked and committed in one go (`ingest`), into a
    fresh copy of the store, each a new week. Median of `repeats`; the fixed cost of a
    small upload (staging, 23 checks, the commit), which no bare read has."""
    import io
    import statistics
    import zipfile

    from epmo import access
    from epmo.ingest import ACCEPTED, VALID, ingest

    store = ingestion._fresh_copy(Path(store_uri), work_dir / "store-weekly")
    first = ingestion.upload_week(store)
    ids = ingestion.project_ids(store, first - dt.timedelta(days=7))[:projects]
    managers, portfolios = access.project_owners(store)  # each project stays where it is, with its manager

    def body(week: dt.date) -> bytes:
        head_p = "project_id,project_name,portfolio,project_manager,stage,start_date,baseline_end_date,"
        head_p += "forecast_end_date,budget_bac,actual_cost,rag_overall\n"
        rows_p = "".join(
            f"{pid},Project {pid},{portfolios[pid]},{managers[pid]},Execution,2026-01-05,2027-06-30,"
            f"2027-06-30,1000000,{400000 + week.toordinal() % 1000},Green\n"
            for pid in ids
        )
        head_m = "project_id,milestone_id,milestone_name,baseline_date,forecast_date\n"
        rows_m = "".join(
            f"{pid},M{k},Milestone {k},2027-0{k}-15,2027-0{k}-20\n" for pid in ids for k in range(1, 5)
        )
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("projects.csv", head_p + rows_p)
            z.writestr("milestones.csv", head_m + rows_m)
        return buf.getvalue()

    checks, ingests = [], []
    for i in range(repeats):
        week = first + dt.timedelta(days=7 * i)
        data = body(week)
        t = time.perf_counter()
        checked = ingest(store, "weekly.zip", data, as_of=week, dry_run=True, today=week)
        checks.append(time.perf_counter() - t)
        t = time.perf_counter()
        done = ingest(store, "weekly.zip", data, as_of=week, today=week)
        ingests.append(time.perf_counter() - t)
        if checked.status != VALID or done.status != ACCEPTED:
            raise RuntimeError(checked.report.to_text(limit=10) + done.report.to_text(limit=10))
    print(
        f"weekly update of {len(ids)} projects and {4 * len(ids)} milestones, median of {repeats}: "
        f"checked (dry run) {statistics.median(checks):.3f} s, ingested {statistics.median(ingests):.3f} s "
        f"(checks [{ingestion._fmt(checks)}], ingests [{ingestion._fmt(ingests)}])"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--store", default=default_store_uri())
    ap.add_argument("--work-dir", type=Path, default=Path("/tmp/epmo-bench-ingestion"))
    ap.add_argument("--csv-rows", type=int, default=1_000_000)
    ap.add_argument("--xlsx-rows", type=int, default=200_000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--phases", action="store_true")
    ap.add_argument(
        "--weekly", type=int, metavar="PROJECTS", help="time a PM's weekly ZIP of this many projects instead"
    )
    ap.add_argument("--floor", action="store_true")
    ap.add_argument(
        "--processes",
        action="store_true",
        help="time whole processes: `python -m epmo ingest` against a process doing the bare read",
    )
    ap.add_argument("--code", type=Path, help="with --processes: run the ingest of this checkout (e.g. main)")
    args = ap.parse_args()
    if args.weekly is not None:
        if args.weekly < 1:
            ap.error("--weekly takes the number of projects, at least 1")
        args.work_dir.mkdir(parents=True, exist_ok=True)
        weekly(args.store, args.work_dir, args.weekly, args.repeats)
        return
    if args.processes:
        rows = ingestion.measure_processes(
            args.work_dir, args.store, args.csv_rows, args.xlsx_rows, args.repeats, args.code
        )
        print(
            f"{'measure':<13} {'rows':>10} {'full s':>8} {'bare s':>8} {'ratio':>6} {'cpu s':>7} {'bare cpu':>8} {'ratio':>6}"
        )
        for r in rows:
            print(
                f"{r['name']:<13} {r['rows']:>10,} {r['seconds']:>8.3f} {r['baseline_seconds']:>8.3f} "
                f"{r['ratio']:>6} {r['cpu_seconds']:>7.3f} {r['baseline_cpu_seconds']:>8.3f} {r['cpu_ratio']:>6}"
            )
            print(f"  {r['note']}")
        return
    if args.phases:
        args.work_dir.mkdir(parents=True, exist_ok=True)
        src = ingestion._fresh_copy(Path(args.store), args.work_dir / "store-phases")
        as_of, csv_path, _ = ingestion._inputs(args.work_dir, src, args.csv_rows, args.xlsx_rows)
        phases(src, csv_path, as_of)
        return
    if args.floor:
        args.work_dir.mkdir(parents=True, exist_ok=True)
        src = ingestion._fresh_copy(Path(args.store), args.work_dir / "store-phases")
        as_of, csv_path, _ = ingestion._inputs(args.work_dir, src, args.csv_rows, args.xlsx_rows)
        floor(src, csv_path, as_of, args.work_dir)
        return
    results = ingestion.measure(args.work_dir, args.store, args.csv_rows, args.xlsx_rows, args.repeats)
    print(f"{'measure':<12} {'rows':>10} {'full s':>8} {'bare s':>8} {'ratio':>6}")
    for r in results:
        print(
            f"{r['name']:<12} {r['rows']:>10,} {r['seconds']:>8.3f} {r['baseline_seconds']:>8.3f} {r['ratio']:>6}"
        )
        print(f"  {r['note']}")


if __name__ == "__main__":
    main()
