"""Warm timings of some pages' data work (epmo.pagedata) on a cached benchmark store, and
optionally the pandas reference of the same pages: a quick before/after check without the
whole benchmark (`make bench`). Prints figures; asserts nothing; writes nothing.

    .venv/bin/python bench/pages.py large health_milestones,health_raid,project --pandas
"""

from __future__ import annotations

import argparse
import functools
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.harness import DEMO_SEED, runner, stores, timing  # noqa: E402
from epmo import pagedata  # noqa: E402
from epmo.store import Store  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("scale", choices=["small", "medium", "large"])
    ap.add_argument("pages", help="comma-separated names of epmo.pagedata.PAGES")
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--pandas", action="store_true", help="also time the pandas reference of these pages")
    args = ap.parse_args()
    names = args.pages.split(",")
    uri, _built = stores.demo_store(args.scale, DEMO_SEED, stores.STORES)
    as_of = runner._as_of(uri)
    con = Store(uri).connect()
    f = pagedata.Filters(as_of)
    print(f"{uri} as of {as_of}: warm, {args.runs} runs after one")
    try:
        for name in names:
            times, cpu = timing.repeat(functools.partial(pagedata.PAGES[name][1], con, f), args.runs, 60.0)
            s = timing.summary_ms(times, cpu)
            print(
                f"  {name:<20} median {s['median_ms']:7.1f}  p95 {s['p95_ms']:7.1f}  cpu {s['cpu_median_ms']:7.1f} ms"
            )
    finally:
        con.close()
    if args.pandas:
        ref = runner.load_reference()
        tables = ref.load(uri)
        for name in names:
            if name not in ref.PAGES:
                continue
            times, cpu = timing.repeat(functools.partial(ref.PAGES[name], tables, as_of), args.runs, 60.0)
            s = timing.summary_ms(times, cpu)
            print(f"  pandas {name:<13} median {s['median_ms']:7.1f}  p95 {s['p95_ms']:7.1f} ms")


if __name__ == "__main__":
    main()
