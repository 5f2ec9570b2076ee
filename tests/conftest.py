"""Shared fixtures: temporary stores, a small demo store, and file builders."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from epmo import access, clock, demo
from epmo.store import Store

WEEK = dt.date(2026, 11, 20)  # a Friday
DEMO_END = dt.date(2026, 11, 20)
# "Today" for every test and every process a test starts (streamlit, CLI, workers): the
# Wednesday after the demo's last week. The product reads the calendar only through
# epmo.clock; a test that needs another day sets EPMO_TODAY itself (monkeypatch.setenv).
# `make test-dates` runs the suite with the machine's clock moved to prove nothing else
# reads it.
TODAY = dt.date(2026, 11, 25)
if os.environ.get(clock.ENV) != TODAY.isoformat():  # xdist workers inherit the controller's pin
    os.environ.update(clock.pin(TODAY))

PROJECT_HEADER = (
    "project_id,project_name,portfolio,project_manager,stage,start_date,baseline_end_date,"
    "forecast_end_date,budget_bac,actual_cost,rag_overall"
)


def project_row(pid: str = "P1", **over: str) -> str:
    values = {
        "project_id": pid,
        "project_name": f"Project {pid}",
        "portfolio": "Corporate",
        "project_manager": "pm@example.org",
        "stage": "Execution",
        "start_date": "2026-01-05",
        "baseline_end_date": "2026-12-31",
        "forecast_end_date": "2027-01-29",
        "budget_bac": "1000000",
        "actual_cost": "400000",
        "rag_overall": "Green",
    }
    values.update(over)
    return ",".join(values[h] for h in PROJECT_HEADER.split(","))


def person(email: str, role: str | None = "admin") -> access.Identity:
    """Someone acting through the library (tests), with a role."""
    return access.Identity(email, role, "library")


def projects_csv(*rows: str) -> bytes:
    return ("\n".join([PROJECT_HEADER, *rows]) + "\n").encode()


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(str(tmp_path / "store"))
    s.ensure()
    return s


@pytest.fixture(scope="session")
def _demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "store"
    demo.load_demo(Store(str(path)), scale="small", seed=3, end=DEMO_END)
    return path


@pytest.fixture
def demo_store(_demo_template: Path, tmp_path: Path) -> Store:
    """A private copy of the small demo store (tests may write to it)."""
    dest = tmp_path / "demo_store"
    shutil.copytree(_demo_template, dest)
    return Store(str(dest))


def tree_digest(root: Path) -> str:
    """A digest of every file's path and bytes under root (for 'unchanged byte for byte')."""
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        if p.is_file():
            h.update(str(p.relative_to(root)).encode())
            h.update(p.read_bytes())
    return h.hexdigest()


def csv_of(rows: list[dict[str, object]]) -> bytes:
    """A CSV of dict rows (columns: the union of keys, in first-seen order; None = blank)."""
    header: list[str] = []
    for r in rows:
        header += [k for k in r if k not in header]
    lines = [",".join(header)]
    for r in rows:
        lines.append(",".join("" if r.get(h) is None else str(r[h]) for h in header))
    return ("\n".join(lines) + "\n").encode()


def zip_of(**tables: list[dict[str, object]]) -> bytes:
    """A ZIP of CSVs, one per table (`<name>.csv`, csv_of its rows)."""
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, rows in tables.items():
            z.writestr(f"{name}.csv", csv_of(rows))
    return buf.getvalue()


def upload_tables(store: Store, week: dt.date, **tables: list[dict[str, object]]) -> str:
    """Ingest one ZIP of CSVs (one per table) for `week`; returns the upload id."""
    from epmo.ingest import ACCEPTED, ingest

    outcome = ingest(store, f"extract_{week}.zip", zip_of(**tables), as_of=week, user_email="pm@example.org")
    assert outcome.status == ACCEPTED, outcome.report.to_text(limit=20)
    assert outcome.upload_id is not None
    return outcome.upload_id


def project(pid: str, **over: object) -> dict[str, object]:
    """A projects row with every required field; override any column."""
    row: dict[str, object] = {
        "project_id": pid,
        "project_name": f"Project {pid}",
        "portfolio": "Corporate",
        "project_manager": "pm@example.org",
        "stage": "Execution",
        "start_date": "2026-01-05",
        "baseline_end_date": "2026-12-31",
        "forecast_end_date": "2026-12-31",
        "budget_bac": 1000000,
        "actual_cost": 400000,
        "rag_overall": "Green",
    }
    row.update(over)
    return row


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """moto's S3 server on loopback for the whole session (tests/objectstore.py)."""
    from tests.objectstore import moto_server

    with moto_server() as endpoint:  # the server creates the test bucket
        yield endpoint


@pytest.fixture
def s3_uri(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh, empty store URI on the loopback S3 server, the environment pointing at it."""
    from tests.objectstore import new_prefix, s3_env

    for k, v in s3_env(s3_endpoint).items():
        monkeypatch.setenv(k, v)
    return new_prefix()
