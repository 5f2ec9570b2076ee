"""Time each page's whole script (queries, charts, tables, widgets) with Streamlit's AppTest.

    .venv/bin/python bench/page_scripts.py STORE_URI [--runs N] [--pages home,health,...]

The page data figures of the benchmark time the queries and domain calls only; this times
everything a page's script does on a warm rerun (its queries come from Streamlit's cache,
as on every widget change), and its first run in a new session (the first page also pays
the server's start: imports and opening the store). It
prints one JSON object on the last line of stdout. Run by `python -m epmo bench`
(bench.harness.app.script_timing) in its own process: epmo never imports streamlit.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGES = [
    "home",
    "health",
    "changes",
    "project",
    "capacity",
    "capacity_whatif",
    "priority_ranking",
    "priority_sensitivity",
    "priority_selection",
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("store")
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--pages", default=",".join(PAGES))
    args = ap.parse_args()
    os.environ["EPMO_STORE"] = args.store
    from streamlit.testing.v1 import AppTest

    out: dict[str, dict[str, object]] = {}
    for page in args.pages.split(","):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
        if page != "home":
            at.switch_page(str(ROOT / "app_pages" / f"{page}.py"))
        t0 = time.perf_counter()
        at.run()
        first = time.perf_counter() - t0
        if at.exception:
            raise SystemExit(f"{page}: {at.exception[0].value}")
        reruns = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            at.run()
            reruns.append(time.perf_counter() - t0)
        reruns_ms = sorted(r * 1000 for r in reruns)
        out[page] = {
            "first_run_ms": round(first * 1000, 1),
            "rerun_median_ms": round(statistics.median(reruns_ms), 1),
            "rerun_max_ms": round(reruns_ms[-1], 1),
            "runs": args.runs,
        }
        print(
            f"  page script {page:<22} first {first * 1000:7.0f} ms  rerun median "
            f"{out[page]['rerun_median_ms']:7.0f} ms",
            file=sys.stderr,
            flush=True,
        )
    print(json.dumps(out))


if __name__ == "__main__":
    main()
