"""What the parse sandbox costs on a normal weekly upload: in-process vs in a child process.

    .venv/bin/python bench/parse_sandbox.py [--repeats 15] [--pause 1.5]

Files: the demo's weekly workbook (one project manager's filled template, a few hundred
rows over four sheets), the same tables as a CSV of projects and as a ZIP of CSVs. For each
it prints the median (and min-max) wall time of `epmo.readers.read_upload` in this process
and of `epmo.isolate.read_upload` (a child under OS limits, the one the app uses), the
median difference, and the CPU seconds spent: this process's, and the child's. The child
comes three ways: forked from the fork server (the app's way, limits.parse_fork_server), a
spare child started ahead (limits.parse_fork_server = false; `--pause` seconds are left
between runs so it is ready, as between two real uploads) and, with `--cold`, a child
started on demand (limits.parse_prestart = false too, the CLI's way).
It also times the whole validation of the workbook (`check_upload` on an empty store,
the child included) and the workbook extent check on its own. Asserts nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import io
import os
import statistics
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
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


def timed(fn: Callable[[], object], repeats: int, pause: float) -> tuple[list[float], float, float]:
    """Wall times, and CPU seconds per run: this process's, and its parse children's."""
    walls: list[float] = []
    cpu0, kids0, forked0 = time.process_time(), _children_cpu(), isolate.forked_cpu_seconds
    for _ in range(repeats):
        time.sleep(pause)
        t = time.perf_counter()
        fn()
        walls.append(time.perf_counter() - t)
    kids = _children_cpu() - kids0 + isolate.forked_cpu_seconds - forked0
    return walls, (time.process_time() - cpu0) / repeats, kids / repeats


def _children_cpu() -> float:
    t = os.times()
    return t.children_user + t.children_system


def line(label: str, walls: list[float], cpu: float, child_cpu: float | None = None) -> str:
    ms = [w * 1000 for w in walls]
    child = f", child {child_cpu * 1000:6.1f} ms" if child_cpu is not None else ""
    return (
        f"  {label:<34} median {statistics.median(ms):7.1f} ms  "
        f"(min {min(ms):6.1f}, max {max(ms):7.1f})  CPU: this process {cpu * 1000:6.1f} ms{child}"
    )


@contextlib.contextmanager
def limits_set(**values: bool) -> Iterator[None]:
    """Run with [limits] values changed (and no fork server or spare left from before)."""
    loaded = settings.settings
    changed = copy.deepcopy(loaded())
    changed["limits"].update(values)
    settings.settings = lambda: changed  # type: ignore[assignment,misc]
    isolate._stop_spare()
    try:
        yield
    finally:
        isolate._stop_spare()
        settings.settings = loaded  # type: ignore[assignment]


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
    modes = [
        ("child forked from the fork server", {"parse_fork_server": True}, 0.0),
        ("spare child, started ahead", {"parse_fork_server": False}, args.pause),
    ]
    if args.cold:
        modes.append(("child started on demand", {"parse_fork_server": False, "parse_prestart": False}, 0.0))
    for name, data in cases:  # warm up the imports
        readers.read_upload(name, data)
    for name, data in cases:
        print(f"{name} ({len(data):,} bytes), {args.repeats} runs:")
        inproc, inproc_cpu, _ = timed(
            lambda name=name, data=data: readers.read_upload(name, data), args.repeats, 0
        )
        print(line("in process", inproc, inproc_cpu))
        medians = []
        for label, values, pause in modes:
            with limits_set(**values):
                isolate.prestart()
                isolate.read_upload(name, data)  # the fork server or the spare is up
                walls, cpu, child_cpu = timed(
                    lambda name=name, data=data: isolate.read_upload(name, data), args.repeats, pause
                )
            print(line(label, walls, cpu, child_cpu))
            medians.append(statistics.median(walls))
        extra = ", ".join(
            f"{(m - statistics.median(inproc)) * 1000:+.1f} ms ({label})"
            for m, (label, _, _) in zip(medians, modes, strict=True)
        )
        print(f"  sandbox cost (median child - median in process): {extra}")
    workbook = cases[0][1]
    with tempfile.TemporaryDirectory() as tmp:  # the whole validation, for scale
        store = Store(str(Path(tmp) / "store"))
        store.ensure()
        full, full_cpu, full_child = timed(
            lambda: check_upload(store, "weekly.xlsx", workbook), args.repeats, args.pause
        )
        print(line("whole check_upload (xlsx)", full, full_cpu, full_child))
    zf = zipfile.ZipFile(io.BytesIO(workbook))
    check, check_cpu, _ = timed(
        lambda: readers.check_workbook_extent("weekly.xlsx", zf, zf.infolist()), args.repeats, 0
    )
    print(line("extent check alone (xlsx)", check, check_cpu))


if __name__ == "__main__":
    main()
