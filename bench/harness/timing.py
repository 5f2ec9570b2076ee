"""Timing of each page's data work (epmo.pagedata): warm in this process, cold in new ones."""

from __future__ import annotations

import functools
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (p95 of 20 runs is the 19th smallest)."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * pct // 100))  # ceil
    return ordered[int(rank) - 1]


def summary_ms(seconds: list[float], cpu_seconds: list[float] | None = None) -> dict[str, Any]:
    ms = [s * 1000 for s in seconds]
    out = {
        "runs": len(ms),
        "median_ms": round(statistics.median(ms), 1),
        "p95_ms": round(percentile(ms, 95), 1),
        "min_ms": round(min(ms), 1),
        "max_ms": round(max(ms), 1),
    }
    if cpu_seconds:
        out["cpu_median_ms"] = round(statistics.median(cpu_seconds) * 1000, 1)
    return out


@contextmanager
def quiet() -> Iterator[None]:
    """Native output (HiGHS progress lines) of the timed code goes to /dev/null."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with open(os.devnull, "w") as null:
        os.dup2(null.fileno(), 1)
        os.dup2(null.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])


def repeat(
    func: Callable[[], object], runs: int, budget_s: float, min_runs: int = 3
) -> tuple[list[float], list[float]]:
    """Run `func` up to `runs` times (after one untimed warm-up); stop early once the time
    spent passes `budget_s` and at least `min_runs` were timed (slow pages at large scale).
    Returns wall-clock seconds and CPU seconds (all threads of this process) of each run:
    on a shared machine the CPU time is the steadier figure."""
    with quiet():
        func()
    times: list[float] = []
    cpu: list[float] = []
    started = time.perf_counter()
    for _ in range(runs):
        c0, t0 = time.process_time(), time.perf_counter()
        with quiet():
            func()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        if len(times) >= min_runs and time.perf_counter() - started > budget_s:
            break
    return times, cpu


def warm_pages(
    uri: str, as_of: Any, pages: list[str], runs: int, budget_s: float, log: Callable[[str], None]
) -> dict[str, dict[str, Any]]:
    """Same process, one store connection reused, no Streamlit cache: per page median/p95."""
    from epmo import pagedata
    from epmo.store import Store

    store = Store(uri)
    t0 = time.perf_counter()
    con = store.connect()
    connect_s = time.perf_counter() - t0
    f = pagedata.Filters(as_of)
    out: dict[str, dict[str, Any]] = {}
    try:
        for name in pages:
            func = pagedata.PAGES[name][1]
            times, cpu = repeat(functools.partial(func, con, f), runs, budget_s)
            out[name] = summary_ms(times, cpu) | {"connect_ms": round(connect_s * 1000, 1)}
            log(
                f"  warm {name:<20} median {out[name]['median_ms']:8.1f} ms  p95 {out[name]['p95_ms']:8.1f} ms"
                f"  cpu {out[name]['cpu_median_ms']:8.1f} ms"
            )
    finally:
        con.close()
    return out


def cold_page(uri: str, as_of: Any, page: str) -> dict[str, float]:
    """One page in a new Python process: imports, opening the store, the page's data work."""
    cmd = [sys.executable, "-m", "bench.harness.cold", uri, str(as_of), page]
    t0 = time.perf_counter()
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=900)
    wall = time.perf_counter() - t0
    if done.returncode != 0:
        raise RuntimeError(f"cold run of {page} failed: {done.stderr.strip()[-500:]}")
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    return figures | {"process_s": wall}


def cold_pages(
    uri: str, as_of: Any, pages: list[str], runs: int, budget_s: float, log: Callable[[str], None]
) -> dict[str, dict[str, Any]]:
    """Cold = open the store (snapshot + connection + views) and run the page once, in a new
    process; the median/p95 are of that (imports and interpreter start reported apart)."""
    out: dict[str, dict[str, Any]] = {}
    for name in pages:
        samples: list[dict[str, float]] = []
        started = time.perf_counter()
        for _ in range(runs):
            samples.append(cold_page(uri, as_of, name))
            if len(samples) >= 2 and time.perf_counter() - started > budget_s:
                break
        total = [s["connect_s"] + s["page_s"] for s in samples]
        out[name] = summary_ms(total) | {
            "connect_median_ms": round(statistics.median(s["connect_s"] for s in samples) * 1000, 1),
            "import_median_ms": round(statistics.median(s["import_s"] for s in samples) * 1000, 1),
            "process_median_ms": round(statistics.median(s["process_s"] for s in samples) * 1000, 1),
        }
        log(f"  cold {name:<20} median {out[name]['median_ms']:8.1f} ms  p95 {out[name]['p95_ms']:8.1f} ms")
    return out
