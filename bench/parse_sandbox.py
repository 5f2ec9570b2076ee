"""What the parse sandbox costs on a normal weekly upload: in-process vs in a child process.

    .venv/bin/python bench/parse_sandbox.py [--repeats 15] [--pause 1.5]

Files: the demo's weekly workbook (one project manager's filled template, a few hundred
rows over four sheets), the same tables as a CSV of projects and as a ZIP of CSVs. For each
it prints the median (and min-max) wall time of `epmo.readers.read_upload` in this process
and of `epmo.isolate.read_upload` (a child under OS limits, the one the app uses), the
median difference, and the CPU seconds this process spent. The spare child is started
ahead and `--pause` seconds are left between runs so it is ready, as between two real
uploads; `--cold` also times a child started on demand (limits.parse_prestart = false).
It also times the whole validation of the workbook (`check_upload` on an empty store,
the child included) and the workbook extent check on its own. Asserts nothing.
"""

from __future__ import annotations

import argparse
import copy
import io
import statistics
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pyarrow.csv as pacsv  # noqa: E402

from epmo import demo, isolate, readers, settings  # noqa: E402
from epmo.ingest import check_upload  # noqa: E402
from epmo.store import Store  # noqa: E402


def files() -> list[tuple[str, bytes]]:
    workbook = demo.sample_extract("small", seed=7)
    sheets = readers.read_upload("weekly.xlsx", workbook)
    tables: dict[str, bytes] = {}
    for s in sheets:
        table = s.data.rename_columns(s.headers)
        buf = io.BytesIO()
        pacsv.write_csv(table, buf)
        tables[s.sheet] = buf.getvalue()
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in tables.items():
            zf.writestr(f"{name}.csv", data)
    rows = {s.sheet: s.data.num_rows for s in sheets}
    print(f"weekly workbook: {len(workbook):,} bytes, rows {rows}")
    return [
        ("weekly.xlsx", workbook),
        ("allocations.csv", tables["allocations"]),
        ("weekly.zip", zipped.getvalue()),
    ]


def timed(fn: Callable[[], object], repeats: int, pause: float) -> tuple[list[float], float]:
    walls: list[float] = []
    cpu0 = time.process_time()
    for _ in range(repeats):
        time.sleep(pause)
        t = time.perf_counter()
        fn()
        walls.append(time.perf_counter() - t)
    return walls, (time.process_time() - cpu0) / repeats


def line(label: str, walls: list[float], cpu: float) -> str:
    ms = [w * 1000 for w in walls]
    return (
        f"  {label:<28} median {statistics.median(ms):7.1f} ms  "
        f"(min {min(ms):6.1f}, max {max(ms):7.1f})  this process CPU {cpu * 1000:6.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument(
        "--pause", type=float, default=1.5, help="seconds between runs (the spare gets ready)"
    )
    parser.add_argument("--cold", action="store_true", help="also time a child started on demand")
    args = parser.parse_args()
    limits = isolate.Limits.from_settings()
    print(
        f"limits: {limits.memory_mb:,} MB address space beyond the child's own, {limits.cpu_seconds:g} s CPU"
    )
    cases = files()
    for name, data in cases:  # warm both paths (imports, the first spare)
        readers.read_upload(name, data)
        isolate.read_upload(name, data)
    for name, data in cases:
        print(f"{name} ({len(data):,} bytes), {args.repeats} runs:")
        inproc, inproc_cpu = timed(
            lambda name=name, data=data: readers.read_upload(name, data), args.repeats, 0
        )
        child, child_cpu = timed(
            lambda name=name, data=data: isolate.read_upload(name, data), args.repeats, args.pause
        )
        print(line("in process", inproc, inproc_cpu))
        print(line("child, started ahead", child, child_cpu))
        if args.cold:
            loaded = settings.settings
            cold_settings = copy.deepcopy(loaded())
            cold_settings["limits"]["parse_prestart"] = False
            settings.settings = lambda cold=cold_settings: cold  # type: ignore[assignment,misc]
            isolate._stop_spare()
            try:
                cold, cold_cpu = timed(
                    lambda name=name, data=data: isolate.read_upload(name, data), args.repeats, 0
                )
            finally:
                settings.settings = loaded  # type: ignore[assignment]
            print(line("child, started on demand", cold, cold_cpu))
        extra = (statistics.median(child) - statistics.median(inproc)) * 1000
        print(f"  sandbox cost (median child - median in process): {extra:+.1f} ms")
    workbook = cases[0][1]
    with tempfile.TemporaryDirectory() as tmp:  # the whole validation, for scale
        store = Store(str(Path(tmp) / "store"))
        store.ensure()
        full, full_cpu = timed(lambda: check_upload(store, "weekly.xlsx", workbook), args.repeats, args.pause)
        print(line("whole check_upload (xlsx)", full, full_cpu))
    zf = zipfile.ZipFile(io.BytesIO(workbook))
    check, check_cpu = timed(
        lambda: readers.check_workbook_extent("weekly.xlsx", zf, zf.infolist()), args.repeats, 0
    )
    print(line("extent check alone (xlsx)", check, check_cpu))


if __name__ == "__main__":
    main()
