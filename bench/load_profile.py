"""Where a session's page runs spend their time, in one process, per phase (AppTest).

    .venv/bin/python bench/load_profile.py [--scale small|medium] [--store PATH] [--profile PHASE]

What the load tool (bench/load.py) measures from outside, taken apart inside one process
with the app's real scripts (streamlit.testing AppTest: each AppTest is a session; the
process's caches are shared between them as between a replica's browser tabs):

- cold process: a session's first Home on a process that has built nothing yet;
- new session: another session's first Home once the process is warm (the sidebar, the
  identity, the page data all come from the shared caches);
- warm rerun: the same session asks for each page of the load tool's mix again;
- after an upload: one upload committed, then a page (the store connection and the page
  data are rebuilt once for the new table versions; later sessions reuse them);
- Submissions: the ledger page, first and warm, and after an upload.

Each phase prints wall seconds (the machine's other work included: read the load average
printed first) and the process CPU seconds it used. `--profile PHASE` prints cProfile's
top functions for that phase's script run (the script thread is profiled, not the test
harness), the way the fixes in docs/benchmarks.md "Load and capacity model" were found.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import os
import pstats
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

END = dt.date(2026, 11, 20)
MIX = [
    ("home", "app_pages/home.py", {}),
    ("health:Projects", "app_pages/health.py", {"tab": "Projects"}),
    ("health:RAID", "app_pages/health.py", {"tab": "RAID"}),
    ("capacity", "app_pages/capacity.py", {}),
    ("deck", "app_pages/deck.py", {"deck": "Steering committee", "slide": "1"}),
    ("project", "app_pages/project.py", {"project": "{project}"}),
    ("submissions", "app_pages/submissions.py", {}),
]

_PROFILE: dict[str, Any] = {"phase": None, "current": "", "stats": None}


def _install_profiler() -> None:
    """Profile the script thread's run when the current phase is the one asked for."""
    from streamlit.runtime.scriptrunner import script_runner as sr

    original = sr.ScriptRunner._run_script

    def run(self: Any, *a: Any, **k: Any) -> Any:
        if _PROFILE["phase"] and _PROFILE["phase"] == _PROFILE["current"]:
            prof = cProfile.Profile()
            prof.enable()
            try:
                return original(self, *a, **k)
            finally:
                prof.disable()
                _PROFILE["stats"] = prof
        return original(self, *a, **k)

    sr.ScriptRunner._run_script = run  # type: ignore[method-assign]


@contextmanager
def phase(name: str, rows: list[tuple[str, float, float]]) -> Iterator[None]:
    _PROFILE["current"] = name
    c0, t0 = time.process_time(), time.perf_counter()
    yield
    rows.append((name, time.perf_counter() - t0, time.process_time() - c0))
    _PROFILE["current"] = ""


def session(page: str = "app_pages/home.py", query: dict[str, str] | None = None) -> Any:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    if query:
        at.query_params.update(query)
    return at


PROJECT = {"id": ""}


def visit(at: Any, page: str, query: dict[str, str]) -> None:
    query = {k: v.replace("{project}", PROJECT["id"]) for k, v in query.items()}
    if page != "app_pages/home.py":
        at.switch_page(page)
    at.query_params.clear()
    at.query_params.update(query | {"as_of": END.isoformat()})
    at.run()
    if at.exception:
        raise SystemExit(f"{page}: {at.exception[0].value}")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scale", choices=("small", "medium"), default="small")
    ap.add_argument("--store", help="a demo store to copy (else one is built)")
    ap.add_argument("--profile", help="print cProfile's top functions for this phase")
    ap.add_argument("--top", type=int, default=30)
    a = ap.parse_args(argv)
    print(f"load average {os.getloadavg()[0]:.1f}, scale {a.scale}")
    work = Path(tempfile.mkdtemp(prefix="epmo-loadprof-"))
    try:
        uri = str(work / "store")
        from epmo import demo
        from epmo.store import Store

        if a.store:
            shutil.copytree(a.store, uri)
        else:
            demo.load_demo(Store(uri), scale=a.scale, seed=3, end=END)
        os.environ["EPMO_STORE"] = uri
        PROJECT["id"] = Store(uri).rows("export/projects", as_of=END)[0]["project_id"]
        _PROFILE["phase"] = a.profile
        _install_profiler()
        rows: list[tuple[str, float, float]] = []
        run_phases(uri, rows)
        width = max(len(r[0]) for r in rows)
        print(f"{'phase':<{width}}  {'wall s':>7}  {'CPU s':>6}")
        for name, wall, cpu in rows:
            print(f"{name:<{width}}  {wall:7.2f}  {cpu:6.2f}")
        if _PROFILE["stats"] is not None:
            pstats.Stats(_PROFILE["stats"]).sort_stats("cumulative").print_stats(a.top)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def upload(uri: str, k: int) -> None:
    from epmo import demo
    from epmo.ingest import ACCEPTED, ingest
    from epmo.store import Store

    data = demo.sample_extract("small", seed=100 + k, end=END)
    out = ingest(Store(uri), f"profile_{k}.xlsx", data, as_of=END, user_email="load@example.org")
    if out.status != ACCEPTED:
        raise SystemExit(f"upload {k}: {out.status}")


def run_phases(uri: str, rows: list[tuple[str, float, float]]) -> None:
    def timed(name: str, fn: Callable[[], None]) -> None:
        with phase(name, rows):
            fn()

    first = session()
    timed("cold process: first Home", lambda: visit(first, "app_pages/home.py", {}))
    second = session()
    timed("new session: first Home", lambda: visit(second, "app_pages/home.py", {}))
    for label, page, query in MIX:
        timed(f"first {label}", lambda p=page, q=query: visit(first, p, q))  # type: ignore[misc]
    for label, page, query in MIX:
        timed(f"warm {label}", lambda p=page, q=query: visit(first, p, q))  # type: ignore[misc]
    timed("upload (the writer, in this process)", lambda: upload(uri, 1))
    timed("after upload: Home", lambda: visit(first, "app_pages/home.py", {}))
    timed("after upload: other session's Home", lambda: visit(second, "app_pages/home.py", {}))
    timed("after upload: Submissions", lambda: visit(first, "app_pages/submissions.py", {}))
    timed("after upload: warm Submissions", lambda: visit(first, "app_pages/submissions.py", {}))
    deck = {"deck": "Steering committee", "slide": "1"}
    timed("after upload: deck frozen before it", lambda: visit(first, "app_pages/deck.py", deck))
    timed("after upload: deck frozen before it, again", lambda: visit(first, "app_pages/deck.py", deck))
    third = session()
    timed("after upload: new session's first Home", lambda: visit(third, "app_pages/home.py", {}))
    timed("after upload: new session's first deck", lambda: visit(third, "app_pages/deck.py", deck))
    timed("after upload: new session's deck again", lambda: visit(third, "app_pages/deck.py", deck))
    timed("after upload: project", lambda: visit(third, "app_pages/project.py", {"project": "{project}"}))


if __name__ == "__main__":
    main()
