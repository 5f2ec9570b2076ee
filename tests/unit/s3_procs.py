"""Processes the object-store tests start (`python -m tests.unit.s3_procs writer ...`).

writer STORE DIR N TAG   create DIR/ready-PID, wait for DIR/go (so that every writer starts
                         at the same instant, imports done), then commit N uploads of one
                         project each (project TAG-i) as separate commits; print "done N"

The store's endpoint and credentials come from the environment (AWS_ENDPOINT_URL...).
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from pathlib import Path

import pyarrow as pa

from epmo.store import PreparedUpload, Store


def writer(uri: str, sync_dir: str, n: int, tag: str) -> None:
    store = Store(uri)
    d = Path(sync_dir)
    (d / f"ready-{os.getpid()}").touch()
    deadline = time.monotonic() + 60
    while not (d / "go").exists():
        if time.monotonic() > deadline:
            raise SystemExit("no go signal")
        time.sleep(0.01)
    for i in range(n):
        table = pa.table({"project_id": [f"{tag}-{i}"], "project_name": [f"Project {tag}-{i}"]})
        store.commit(
            [
                PreparedUpload(
                    as_of_date=dt.date(2026, 11, 20),
                    tables={"projects": table},
                    file_name=f"{tag}-{i}.csv",
                    sha256=f"{tag}-{i}",
                    user_email=f"{tag}@example.org",
                )
            ]
        )
    print(f"done {n}", flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "writer":
        writer(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5])
    else:
        raise SystemExit(f"unknown kind {sys.argv[1]!r}")
