"""Ingestion benchmark: the full upload path against DuckDB's bare read_csv of the same file.

    EPMO_STORE=/tmp/epmo-medium .venv/bin/python -m epmo demo --scale medium
    .venv/bin/python bench/ingestion.py --store /tmp/epmo-medium [--csv-rows 1000000]
        [--xlsx-rows 200000] [--repeats 3] [--work-dir /tmp/epmo-bench-ingestion] [--phases]

Prints one line per file (median of --repeats; the note lists every run). --phases also
times each phase of one CSV ingestion (read, map, connect, stage, each check, typed tables,
preview, duplicate check, commit). Asserts nothing; see bench/NOTES-ingestion.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from epmo import sql  # noqa: E402
from epmo.benchmark import ingestion  # noqa: E402
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
    _preview(con, as_of)
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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--store", default=default_store_uri())
    ap.add_argument("--work-dir", type=Path, default=Path("/tmp/epmo-bench-ingestion"))
    ap.add_argument("--csv-rows", type=int, default=1_000_000)
    ap.add_argument("--xlsx-rows", type=int, default=200_000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--phases", action="store_true")
    args = ap.parse_args()
    if args.phases:
        args.work_dir.mkdir(parents=True, exist_ok=True)
        src = ingestion._fresh_copy(Path(args.store), args.work_dir / "store-phases")
        as_of, csv_path, _ = ingestion._inputs(args.work_dir, src, args.csv_rows, args.xlsx_rows)
        phases(src, csv_path, as_of)
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
