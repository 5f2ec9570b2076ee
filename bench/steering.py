"""Timings of the steering deck and pack on a demo store: freeze, a frozen connection, each
slide of the built-in deck, and the PPTX and HTML packs. Prints figures; asserts nothing.

    EPMO_STORE=/tmp/epmo-medium .venv/bin/python -m epmo demo --scale medium
    EPMO_STORE=/tmp/epmo-medium .venv/bin/python bench/steering.py [--runs 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from epmo import pack, steering  # noqa: E402
from epmo.ingest import latest_reporting_day  # noqa: E402
from epmo.store import Store  # noqa: E402


def timed(func, runs: int) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    times, out = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        out = func()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--as-of", type=dt.date.fromisoformat)
    args = ap.parse_args()
    store = Store()
    weeks = store.rows("ledger/reporting_weeks")
    as_of = args.as_of or (weeks[0]["as_of_date"] if weeks else latest_reporting_day())
    deck = steering.default_deck()
    print(
        f"store {store.uri}, as of {as_of}, deck {deck.name!r} ({len(deck.slides)} slides), median of {args.runs}"
    )
    s, frozen = timed(lambda: steering.freeze(store, as_of), args.runs)
    print(f"{'freeze':<28}{s * 1000:8.0f} ms")
    s, con = timed(lambda: steering.connect_frozen(store, frozen), args.runs)  # type: ignore[arg-type]
    print(f"{'frozen connection':<28}{s * 1000:8.0f} ms")
    total = 0.0
    for spec in deck.slides:
        s, _ = timed(lambda spec=spec: steering.build_slide(con, as_of, spec), args.runs)  # type: ignore[attr-defined, arg-type]
        total += s
        print(f"{'slide ' + spec.label():<28}{s * 1000:8.0f} ms")
    print(f"{'all slides':<28}{total * 1000:8.0f} ms")
    s, content = timed(lambda: pack.build(con, deck, frozen), args.runs)  # type: ignore[arg-type]
    print(f"{'pack content':<28}{s * 1000:8.0f} ms")
    s, pptx = timed(lambda: pack.to_pptx(content), args.runs)  # type: ignore[arg-type]
    print(f"{'pptx':<28}{s * 1000:8.0f} ms  {len(pptx) / 1e3:,.0f} kB")  # type: ignore[arg-type]
    s, html = timed(lambda: pack.to_html(content), args.runs)  # type: ignore[arg-type]
    print(f"{'html':<28}{s * 1000:8.0f} ms  {len(html) / 1e6:,.1f} MB")  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
