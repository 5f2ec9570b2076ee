"""Ingestion benchmark: the full upload path against DuckDB's bare read of the same file.

`measure` generates (deterministically, cached in work_dir) a 1,000,000-row allocations CSV
and a 200,000-row allocations XLSX for projects the given store knows, copies the store into
work_dir (the source store is never written), and times:

    ingest_csv      epmo.ingest.ingest (parse, map, validate, commit; what the CLI `ingest`
                    and the Upload page run) of the CSV, against the bare
                    `CREATE TABLE t AS SELECT * FROM read_csv(...)` of the same file in a
                    fresh in-memory DuckDB connection
    ingest_xlsx     the same full path of the workbook, against its bare read: python-calamine
                    to Python rows, to Arrow, `CREATE TABLE t AS SELECT * FROM` it in DuckDB

Each figure is the median of `repeats` runs (bare and full runs interleaved); every run of the full path ingests into a fresh
copy of the store (a second commit of the same file would be a duplicate). The uploads are
next week's allocations: as_of is a week after the store's latest reporting week.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from epmo import isolate, sql
from epmo.demo import TEAMS  # the demo's roles and their teams
from epmo.ingest import ACCEPTED, ingest
from epmo.store import Store

GENERATOR_VERSION = "1"
FIRST = ["Alex", "Sam", "Priya", "Jordan", "Mei", "Tom", "Aisha", "Luca", "Noor", "Ben"]
FIRST += ["Chloe", "Ravi", "Grace", "Omar", "Hannah", "Kenji", "Zoe", "Liam", "Ana", "Marcus"]
LAST = ["Nguyen", "Smith", "Patel", "Brown", "Chen", "Wilson", "Khan", "Taylor", "Rossi"]
LAST += ["Murphy", "Silva", "Martin", "Cohen", "Okafor", "Walsh", "Kumar", "Jones", "Lee"]
CPU_SECONDS: dict[str, float] = {}  # CPU time (all threads) of the last bare / full run
HEADERS = ["project_id", "role", "team", "resource_name", "period_start", "hours", "is_tentative"]


def upload_week(store: Store) -> dt.date:
    """The week the benchmark uploads report: one week after the store's latest week."""
    weeks = store.rows("ledger/reporting_weeks")
    if not weeks:
        raise ValueError(f"the store {store.uri} holds no uploads; load the demo first")
    latest: dt.date = weeks[0]["as_of_date"]
    return latest + dt.timedelta(days=7)


def project_ids(store: Store, as_of: dt.date) -> list[str]:
    return [r["project_id"] for r in store.rows("benchmark/ingestion_project_ids", as_of=as_of)]


def allocations(projects: list[str], as_of: dt.date, rows: int, seed: int = 11) -> pa.Table:
    """`rows` allocation rows (text cells, as a PM tool exports them) for the given projects.

    Each project gets named people in the six roles for consecutive weeks starting the
    Monday after as_of; keys (project, role, team, person, week, tentative) are unique.
    Weeks 13 and later are tentative.
    """
    if not projects:
        raise ValueError("no projects to allocate to")
    rng = np.random.default_rng(seed)
    per_project = -(-rows // len(projects))
    people = [f"{f} {ln}" for ln in LAST for f in FIRST]
    weeks = max(52, -(-per_project // len(people)))
    slots = -(-per_project // weeks)
    roles = list(TEAMS)
    first_monday = as_of + dt.timedelta(days=7 - as_of.weekday())
    n = rows
    i = np.arange(n)
    p = i // per_project
    within = i % per_project
    slot = within // weeks
    week = within % weeks
    role_idx = (slot + p) % len(roles)
    person_idx = (slot * 7 + p * 13) % len(people)
    # 7 and len(people) = 360 are coprime: the slots of a project (fewer than 360, see
    # `weeks`) name distinct people, so keys never repeat
    assert slots <= len(people)
    base = (20 + 40 * rng.random(len(projects)))[p]
    hours = np.round(base * (0.6 + 0.8 * rng.random(n)), 1)
    period = np.datetime64(first_monday, "D") + (week * 7).astype("timedelta64[D]")
    return pa.table(
        {
            "project_id": pa.array(np.asarray(projects, dtype=object)[p], pa.string()),
            "role": pa.array(np.asarray(roles, dtype=object)[role_idx], pa.string()),
            "team": pa.array(np.asarray([TEAMS[r] for r in roles], dtype=object)[role_idx], pa.string()),
            "resource_name": pa.array(np.asarray(people, dtype=object)[person_idx], pa.string()),
            "period_start": pa.array(period.astype(str), pa.string()),
            "hours": pa.array([f"{h:.1f}" for h in hours], pa.string()),
            "is_tentative": pa.array(np.where(week >= 12, "true", "false"), pa.string()),
        }
    )


def write_csv(table: pa.Table, path: Path) -> None:
    import pyarrow.csv as pacsv

    tmp = path.with_suffix(".tmp")
    pacsv.write_csv(table, tmp, write_options=pacsv.WriteOptions(quoting_style="needed"))
    tmp.replace(path)


def write_xlsx(table: pa.Table, path: Path) -> None:
    """An allocations workbook as Excel writes it: real dates, numbers and booleans."""
    import xlsxwriter

    tmp = path.with_suffix(".tmp")
    wb = xlsxwriter.Workbook(str(tmp), {"constant_memory": True})
    ws = wb.add_worksheet("allocations")
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    for j, h in enumerate(HEADERS):
        ws.write_string(0, j, h)
    cols = [table[h].to_pylist() for h in HEADERS]
    for i in range(table.num_rows):
        r = i + 1
        ws.write_string(r, 0, cols[0][i])
        ws.write_string(r, 1, cols[1][i])
        ws.write_string(r, 2, cols[2][i])
        ws.write_string(r, 3, cols[3][i])
        ws.write_datetime(r, 4, dt.datetime.fromisoformat(cols[4][i]), date_fmt)
        ws.write_number(r, 5, float(cols[5][i]))
        ws.write_boolean(r, 6, cols[6][i] == "true")
    wb.close()
    tmp.replace(path)


def _inputs(work_dir: Path, store: Store, csv_rows: int, xlsx_rows: int) -> tuple[dt.date, Path, Path]:
    """The upload week and the two files, generated once per store and size (cached)."""
    as_of = upload_week(store)
    projects = project_ids(store, as_of)
    digest = hashlib.sha256("|".join([GENERATOR_VERSION, as_of.isoformat(), *projects]).encode()).hexdigest()[
        :12
    ]
    csv_path = work_dir / f"allocations_{csv_rows}_{digest}.csv"
    xlsx_path = work_dir / f"allocations_{xlsx_rows}_{digest}.xlsx"
    if not csv_path.exists():
        write_csv(allocations(projects, as_of, csv_rows), csv_path)
    if not xlsx_path.exists():
        write_xlsx(allocations(projects, as_of, xlsx_rows, seed=12), xlsx_path)
    return as_of, csv_path, xlsx_path


def bare_read_csv(path: Path) -> tuple[float, int]:
    """Seconds for DuckDB's bare CREATE TABLE ... read_csv of the file, and its row count.
    (The CPU seconds of the last call are in CPU_SECONDS["bare"].)"""
    import duckdb

    con = duckdb.connect(":memory:")
    try:
        t0, c0 = time.perf_counter(), time.process_time()
        con.execute(sql.query("benchmark/ingestion_bare_read_csv").text, {"path": str(path)})
        seconds = time.perf_counter() - t0
        CPU_SECONDS["bare"] = time.process_time() - c0
        rows = con.execute("SELECT count(*) FROM t").fetchall()[0][0]
    finally:
        con.close()
    return seconds, int(rows)


def bare_read_xlsx(path: Path) -> tuple[float, int]:
    """Seconds for python-calamine -> Arrow -> DuckDB table of the workbook's first sheet."""
    import duckdb
    from python_calamine import CalamineWorkbook

    con = duckdb.connect(":memory:")
    try:
        t0, c0 = time.perf_counter(), time.process_time()
        wb = CalamineWorkbook.from_path(str(path))
        rows = wb.get_sheet_by_index(0).to_python()
        header, body = rows[0], rows[1:]
        sheet = pa.table({str(h): [r[j] for r in body] for j, h in enumerate(header)})
        con.register("sheet", sheet)
        con.execute(sql.query("benchmark/ingestion_bare_read_arrow").text)
        seconds = time.perf_counter() - t0
        CPU_SECONDS["bare"] = time.process_time() - c0
        n = con.execute("SELECT count(*) FROM t").fetchall()[0][0]
    finally:
        con.close()
    return seconds, int(n)


def full_path(store: Store, path: Path, as_of: dt.date) -> tuple[float, int, str]:
    """Seconds for epmo.ingest.ingest of the file (read from disk included); rows; upload id.
    CPU_SECONDS["full"]: this process's CPU; CPU_SECONDS["child"]: the parse child's (user +
    system): reaped by this process (a child started alone, or a spare), or, forked by the
    fork server, as its waiter reported it."""
    import resource

    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    forked = isolate.forked_cpu_seconds
    t0, c0 = time.perf_counter(), time.process_time()
    data = path.read_bytes()
    outcome = ingest(
        store,
        path.name,
        data,
        as_of=as_of,
        user_email="benchmark@example.org",
        max_file_mb=max(1.0, len(data) / 1_000_000 + 1),
        note="ingestion benchmark",
    )
    seconds = time.perf_counter() - t0
    CPU_SECONDS["full"] = time.process_time() - c0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU_SECONDS["child"] = (
        (after.ru_utime - kids.ru_utime)
        + (after.ru_stime - kids.ru_stime)
        + isolate.forked_cpu_seconds
        - forked
    )
    if outcome.status != ACCEPTED:
        raise RuntimeError(
            f"the benchmark upload {path.name} was not accepted ({outcome.status}): "
            + outcome.report.to_text(limit=10)
        )
    return seconds, sum(outcome.report.row_counts.values()), outcome.upload_id


def _fresh_copy(source: Path, dest: Path) -> Store:
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(source, dest)
    return Store(str(dest))


def _fmt(times: list[float]) -> str:
    return ", ".join(f"{t:.3f}" for t in times)


def measure(
    work_dir: Path,
    store_uri: str,
    csv_rows: int = 1_000_000,
    xlsx_rows: int = 200_000,
    repeats: int = 3,
) -> list[dict[str, Any]]:
    """Time the full ingestion path of a CSV and an XLSX against their bare reads.

    Returns one dict per measured file: name, seconds (full path, median), baseline_seconds
    (bare read, median), ratio (full / bare), rows, note. The store at store_uri is copied
    into work_dir first and never written; work_dir/store-<name> keeps the last run's upload.
    """
    work_dir = Path(work_dir)
    work_dir.mkdir(parents=True, exist_ok=True)
    source = Path(store_uri)
    if not Store(str(source)).exists():
        raise ValueError(f"no store at {store_uri}; load the demo first (python -m epmo demo)")
    pristine = work_dir / "store-source"
    stamp = hashlib.sha256(str(sorted(p.stat().st_mtime_ns for p in source.rglob("*"))).encode())
    marker = work_dir / "store-source.stamp"
    if not pristine.exists() or not marker.exists() or marker.read_text() != stamp.hexdigest():
        _fresh_copy(source, pristine)
        marker.write_text(stamp.hexdigest())
    as_of, csv_path, xlsx_path = _inputs(work_dir, Store(str(pristine)), csv_rows, xlsx_rows)
    results: list[dict[str, Any]] = []
    for name, path, bare, what in (
        ("ingest_csv", csv_path, bare_read_csv, "DuckDB CREATE TABLE t AS SELECT * FROM read_csv(file)"),
        (
            "ingest_xlsx",
            xlsx_path,
            bare_read_xlsx,
            "python-calamine to_python -> Arrow -> DuckDB CREATE TABLE t AS SELECT * FROM it",
        ),
    ):

        def one_full(path: Path = path, name: str = name) -> tuple[float, tuple[int, str]]:
            store = _fresh_copy(pristine, work_dir / f"store-{name}")
            seconds, rows, upload_id = full_path(store, path, as_of)
            return seconds, (rows, upload_id)

        def one_bare(
            path: Path = path, bare: Callable[[Path], tuple[float, int]] = bare
        ) -> tuple[float, int]:
            return bare(path)

        base_times, full_times, base_cpu, full_cpu, child_cpu = [], [], [], [], []
        isolate.prestart()  # as on a server: the fork server (or a spare child) is ready
        time.sleep(2)  # and has done its imports
        for _ in range(repeats):  # interleaved, so that load from other processes hits both
            seconds, base_rows = one_bare()
            base_times.append(seconds)
            base_cpu.append(CPU_SECONDS["bare"])
            seconds, (rows, upload_id) = one_full()
            full_times.append(seconds)
            full_cpu.append(CPU_SECONDS["full"])
            child_cpu.append(CPU_SECONDS["child"])
        base_s, full_s = statistics.median(base_times), statistics.median(full_times)
        cpu_b, cpu_f = statistics.median(base_cpu), statistics.median(full_cpu)
        cpu_all = statistics.median(f + k for f, k in zip(full_cpu, child_cpu, strict=True))
        if rows != base_rows:
            raise RuntimeError(f"{name}: the full path stored {rows} rows, the bare read {base_rows}")
        results.append(
            {
                "name": name,
                "seconds": round(full_s, 4),
                "baseline_seconds": round(base_s, 4),
                "ratio": round(full_s / base_s, 2) if base_s else None,
                "rows": rows,
                "note": (
                    f"allocations, {path.stat().st_size / 1e6:.1f} MB, as of {as_of}; median of "
                    f"{repeats}: full [{_fmt(full_times)}] s, baseline ({what}) "
                    f"[{_fmt(base_times)}] s; CPU seconds (all threads, less sensitive to other "
                    f"load) full {cpu_f:.3f} vs bare {cpu_b:.3f} = {cpu_f / max(cpu_b, 1e-9):.2f}x, with the "
                    f"parse child {cpu_all:.3f} = {cpu_all / max(cpu_b, 1e-9):.2f}x; "
                    f"upload {upload_id}"
                ),
            }
        )
    return results


# --------------------------------------------------------------------------- whole processes

BARE_CSV_PROCESS = """
import sys
import duckdb
con = duckdb.connect(":memory:")
con.execute("SET enable_progress_bar = false")
con.execute(sys.argv[1], {"path": sys.argv[2]})
print(con.execute("SELECT count(*) FROM t").fetchall()[0][0])
"""
BARE_XLSX_PROCESS = """
import sys
import duckdb
import pyarrow as pa
from python_calamine import CalamineWorkbook
con = duckdb.connect(":memory:")
con.execute("SET enable_progress_bar = false")
rows = CalamineWorkbook.from_path(sys.argv[2]).get_sheet_by_index(0).to_python()
header, body = rows[0], rows[1:]
sheet = pa.table({str(h): [r[j] for r in body] for j, h in enumerate(header)})
con.register("sheet", sheet)
con.execute(sys.argv[1])
print(con.execute("SELECT count(*) FROM t").fetchall()[0][0])
"""


def _timed_process(argv: list[str], cwd: Path) -> tuple[float, float, str]:
    """Wall seconds from start to exit of one process, its CPU seconds (user + system, its
    own and its children's: the ingest's parse child included), and its stdout."""
    import os
    import resource
    import subprocess

    env = dict(os.environ)
    env["PYTHONPATH"] = str(cwd)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = subprocess.run(argv, cwd=str(cwd), env=env, capture_output=True, check=False)
    seconds = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode != 0:
        raise RuntimeError(
            f"{argv[:4]} exited {done.returncode}: {done.stderr.decode(errors='replace')[-2000:]}"
        )
    return seconds, cpu, done.stdout.decode()


def measure_processes(
    work_dir: Path,
    store_uri: str,
    csv_rows: int = 1_000_000,
    xlsx_rows: int = 200_000,
    repeats: int = 3,
    code: Path | None = None,
) -> list[dict[str, Any]]:
    """The same files as `measure`, each timed as a whole process from start to exit:

        full   `python -m epmo ingest FILE --as-of WEEK --store COPY --max-file-mb N`: the
               interpreter and its imports, the parse child (started, its imports, the
               parse under its limits, the hand-over), validation, the Delta commit, the
               printed report; the store copy is made before the clock starts
        bare   `python -c <script>`: the interpreter, `import duckdb` (and python-calamine
               for the XLSX) and the bare read of `measure` into a table, then exit

    `code` runs the ingest of another checkout (e.g. main, for a before/after). Wall
    seconds and CPU seconds (user + system of the process and its children)."""
    import sys

    work_dir = Path(work_dir)
    work_dir.mkdir(parents=True, exist_ok=True)
    root = Path(code or Path(__file__).resolve().parents[2])
    source = Path(store_uri)
    pristine = work_dir / "store-source-processes"
    _fresh_copy(source, pristine)
    as_of, csv_path, xlsx_path = _inputs(work_dir, Store(str(pristine)), csv_rows, xlsx_rows)
    results: list[dict[str, Any]] = []
    for name, path, script, query in (
        ("process_csv", csv_path, BARE_CSV_PROCESS, "benchmark/ingestion_bare_read_csv"),
        ("process_xlsx", xlsx_path, BARE_XLSX_PROCESS, "benchmark/ingestion_bare_read_arrow"),
    ):
        bare_argv = [sys.executable, "-c", script, sql.query(query).text, str(path)]
        walls: dict[str, list[float]] = {"bare": [], "full": []}
        cpus: dict[str, list[float]] = {"bare": [], "full": []}
        rows = 0
        for _ in range(repeats):  # interleaved
            seconds, cpu, out = _timed_process(bare_argv, root)
            walls["bare"].append(seconds)
            cpus["bare"].append(cpu)
            rows = int(out.split()[-1])
            target = work_dir / f"store-{name}"
            _fresh_copy(pristine, target)
            full_argv = [sys.executable, "-m", "epmo", "ingest", str(path), "--as-of", as_of.isoformat()]
            full_argv += ["--store", str(target), "--max-file-mb", str(path.stat().st_size // 1_000_000 + 2)]
            seconds, cpu, _out = _timed_process(full_argv, root)
            walls["full"].append(seconds)
            cpus["full"].append(cpu)
        full_s, bare_s = statistics.median(walls["full"]), statistics.median(walls["bare"])
        cpu_f, cpu_b = statistics.median(cpus["full"]), statistics.median(cpus["bare"])
        results.append(
            {
                "name": name,
                "seconds": round(full_s, 4),
                "baseline_seconds": round(bare_s, 4),
                "ratio": round(full_s / bare_s, 2) if bare_s else None,
                "cpu_seconds": round(cpu_f, 4),
                "baseline_cpu_seconds": round(cpu_b, 4),
                "cpu_ratio": round(cpu_f / max(cpu_b, 1e-9), 2),
                "rows": rows,
                "note": (
                    f"whole processes, {path.stat().st_size / 1e6:.1f} MB, code {root}; median of {repeats}: "
                    f"full [{_fmt(walls['full'])}] s wall, [{_fmt(cpus['full'])}] s CPU; bare "
                    f"[{_fmt(walls['bare'])}] s wall, [{_fmt(cpus['bare'])}] s CPU"
                ),
            }
        )
    return results
