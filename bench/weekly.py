"""The project manager's week, timed: what My projects computes, "No change this week", the
pre-filled workbook and its upload back (validation of the whole workbook), on the small
demo (or the store given).

Run: .venv/bin/python bench/weekly.py [STORE]  (default: a fresh small demo in a temporary
folder, which is deleted afterwards). Prints one line per step, in milliseconds.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from epmo import access, clock, demo, weekly  # noqa: E402
from epmo.ingest import check_upload  # noqa: E402
from epmo.store import Store  # noqa: E402

END = dt.date(2026, 11, 20)
NEXT = END + dt.timedelta(days=7)


def timed(label: str, func):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    out = func()
    print(f"{label:<48} {1000 * (time.perf_counter() - started):8.0f} ms")
    return out


def _on(store: Store, func, *args):  # type: ignore[no-untyped-def]
    """`func` on a connection of the store (as the page-data layer calls it)."""
    con = store.connect()
    try:
        return func(con, *args)
    finally:
        con.close()


def main() -> None:
    os.environ.update(clock.pin(NEXT))  # the week after the demo's last report
    tmp = None
    if len(sys.argv) > 1:
        store = Store(sys.argv[1])
    else:
        tmp = tempfile.mkdtemp()
        store = Store(str(Path(tmp) / "store"))
        timed("load the small demo", lambda: demo.load_demo(store, scale="small", seed=3, end=END))
    try:
        manager = store.rows("weekly/managers", as_of=END)[0]["project_manager"]
        week = timed("My projects (my_week)", lambda: _on(store, weekly.my_week, manager, NEXT))
        print(f"  {len(week.project_ids)} projects of {manager}")
        timed(
            "No change this week (confirm_unchanged)",
            lambda: weekly.confirm_unchanged(
                store, access.Identity(manager, "pm", "library"), manager, week.to_confirm, NEXT
            ),
        )
        data = timed("pre-filled workbook", lambda: weekly.prefilled_workbook(store, manager, END))
        outcome = timed(
            "validate the workbook uploaded back", lambda: check_upload(store, "mine.xlsx", data, as_of=END)
        )
        print(f"  {outcome.status}: {outcome.report.row_counts}")
        timed("reminders (not_submitted)", lambda: _on(store, weekly.not_submitted, NEXT))
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
