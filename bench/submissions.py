"""The Submissions page's data work, and its retract picker's labels before and after.

    .venv/bin/python bench/submissions.py [STORE_URI] [--uploads N]

The page took 8-24 s at medium scale: the retract picker labelled each option with a
`set_index(...).loc[...]` over the whole ledger, once per upload (quadratic). The labels
are now built once (epmo.pagedata.ledger.SubmissionsData.retract_labels). Prints the old
and new label time on a synthetic ledger of N uploads, and with a store, the page-data
call on it and what the page sends the browser on every run: the whole ledger and a
picker option per live upload before, the latest SHOWN_ROWS of each now.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from epmo import pagedata  # noqa: E402
from epmo.store import Store  # noqa: E402


def labels_before(live: pd.DataFrame) -> list[str]:
    return [f"{u[:12]}  {live.set_index('upload_id').loc[u, 'file_name']}" for u in live["upload_id"]]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("store", nargs="?")
    ap.add_argument("--uploads", type=int, default=2000)
    a = ap.parse_args()
    n = a.uploads
    ledger = pd.DataFrame(
        {
            "upload_id": [f"{i:064x}" for i in range(n)],
            "file_name": [f"pm_{i}.xlsx" for i in range(n)],
            "user_email": [f"pm{i % 90}@example.org" for i in range(n)],
            "status": ["accepted"] * n,
        }
    )
    data = pagedata.ledger.SubmissionsData(ledger, ledger)
    t = time.perf_counter()
    old = labels_before(data.live)
    before = time.perf_counter() - t
    t = time.perf_counter()
    new = data.retract_labels(n)
    after = time.perf_counter() - t
    assert old == [new[u] for u in data.live["upload_id"]]
    print(f"retract labels, {n:,} uploads: before {before:.2f} s, after {after * 1000:.1f} ms")
    if a.store:
        con = Store(a.store).connect()
        t = time.perf_counter()
        page = pagedata.ledger.submissions(con, pagedata.ledger.EVERY_WEEK, search="pm")
        page.retract_labels()
        print(
            f"Submissions page data on {a.store}: {len(page.ledger):,} uploads, "
            f"{(time.perf_counter() - t) * 1000:.0f} ms"
        )
        whole = pagedata.ledger.submissions(con, pagedata.ledger.EVERY_WEEK)
        live = whole.live
        before = (
            arrow_bytes(whole.shown),
            sum(len(u[:12]) + len(f) + 2 for f, u in zip(live["file_name"], live["upload_id"], strict=True)),
        )
        after = arrow_bytes(whole.latest()), sum(len(v) for v in whole.retract_labels().values())
        print(
            f"sent on every run of the page: table {before[0] / 1e6:.2f} MB -> {after[0] / 1e6:.2f} MB, "
            f"picker labels {before[1] / 1e3:.0f} kB ({len(live):,} options) -> {after[1] / 1e3:.0f} kB "
            f"({len(whole.retract_labels())} options)"
        )
        con.close()


def arrow_bytes(frame: pd.DataFrame) -> int:
    """The frame as Arrow IPC bytes (what st.dataframe sends the browser)."""
    import io

    import pyarrow as pa

    sink = io.BytesIO()
    table = pa.Table.from_pandas(frame)
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return len(sink.getvalue())


if __name__ == "__main__":
    main()
