"""Processes the maintenance tests start (`python -m tests.unit.maintenance_procs KIND ...`).

reader STORE AS_OF OUT STOP   loop over fresh snapshots until STOP exists, checking on each
                              that every invariant holds, the projects view has each project
                              once, and no accepted upload seen earlier has gone; write a
                              JSON summary to OUT
lease STORE DIR               once DIR/go exists, try the lease once; print the outcome
                              ("won" or "lost") and keep the lease (never release)
cli DIR ARGS...               once DIR/go exists, run `python -m epmo ARGS...` in this process

The last two first create DIR/ready-PID and then wait for DIR/go, so that the test can start
them all at the same instant once every one has imported everything (imports take seconds
on a busy machine; without the barrier the "concurrent" processes would run one by one).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

from epmo import integrity, sql
from epmo.maintenance import Lease
from epmo.store import Store


def reader(store_path: str, as_of: str, out: str, stop: str) -> None:
    week = dt.date.fromisoformat(as_of)
    seen: set[str] = set()
    iterations, failures = 0, []
    stop_path = Path(stop)
    store = Store(store_path)
    while not stop_path.exists() or iterations < 3:
        iterations += 1
        try:
            con = store.connect()
            try:
                result = integrity.check_connection(con)
                failures += [f.text() for f in result.findings]
                ids = set(
                    con.sql("SELECT upload_id FROM accepted_uploads").fetchnumpy()["upload_id"].tolist()
                )
                projects = sql.arrow(con, "export/projects", as_of=week).column("project_id").to_pylist()
            finally:
                con.close()
        except Exception as exc:  # a vanished file, an unreadable log: all failures here
            failures.append(f"{type(exc).__name__}: {exc}")
            continue
        if len(projects) != len(set(projects)):
            failures.append(f"projects view: {len(projects)} rows for {len(set(projects))} projects")
        if seen - ids:
            failures.append(f"accepted uploads went missing: {sorted(seen - ids)}")
        seen |= ids
    Path(out).write_text(json.dumps({"iterations": iterations, "failures": failures, "uploads": len(seen)}))


def barrier(folder: str) -> None:
    (Path(folder) / f"ready-{os.getpid()}").touch()
    go = Path(folder) / "go"
    while not go.exists():
        time.sleep(0.002)


def lease(store_path: str, folder: str) -> None:
    mine = Lease(Store(store_path))
    mine._load()  # the table exists before the race (created by the test)
    barrier(folder)
    print("won" if mine.try_take() else "lost", flush=True)


def cli(folder: str, *args: str) -> None:
    from epmo.cli import main

    barrier(folder)
    sys.exit(main(list(args)))


def release_when_ready(folder: Path, count: int, timeout: float = 120) -> None:
    """In the test: wait until `count` processes wait at the barrier, then let them go."""
    deadline = time.time() + timeout
    while len(list(folder.glob("ready-*"))) < count:
        if time.time() > deadline:
            raise TimeoutError(f"only {len(list(folder.glob('ready-*')))} of {count} processes got ready")
        time.sleep(0.02)
    (folder / "go").touch()


if __name__ == "__main__":
    kind, *rest = sys.argv[1:]
    {"reader": reader, "lease": lease, "cli": cli}[kind](*rest)
