"""Maintenance under a lease, the store's invariants (check), repair, idempotent retract,
and write failures in words (docs/store.md)."""

from __future__ import annotations

import copy
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from deltalake import DeltaTable

from epmo import integrity, maintenance, settings, sql
from epmo.cli import main
from epmo.clock import now as clock_now
from epmo.ingest import ACCEPTED, ingest
from epmo.maintenance import Lease, LeaseLost
from epmo.store import (
    DOCUMENTS_SCHEMA,
    SUBMISSIONS_SCHEMA,
    UPLOADS_SCHEMA,
    AlreadyRetracted,
    PreparedUpload,
    Store,
    StoreWriteError,
    write_failure,
)
from tests.conftest import WEEK, project_row, projects_csv, tree_digest
from tests.unit.maintenance_procs import release_when_ready

ROOT = Path(__file__).resolve().parents[2]
PROCS = ("-m", "tests.unit.maintenance_procs")


# ------------------------------------------------------------------------------ helpers


class _StoreSettings:
    """The [store] settings of this process: `s[key] = v` or `s.update(key=v)` changes them
    (a changed copy of settings(), typed afresh by settings.current())."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.monkeypatch = monkeypatch

    def __setitem__(self, key: str, value: Any) -> None:
        self.update(**{key: value})

    def update(self, **values: Any) -> None:
        data = copy.deepcopy(settings.settings())
        data["store"].update(values)
        self.monkeypatch.setattr(settings, "settings", lambda: data)


@pytest.fixture
def store_settings(monkeypatch: pytest.MonkeyPatch) -> _StoreSettings:
    """The [store] settings of this process, changeable per test (restored afterwards)."""
    return _StoreSettings(monkeypatch)


def _env(tmp_path: Path, **store: object) -> dict[str, str]:
    """Environment for `python -m epmo` child processes with these [store] settings."""
    toml = tmp_path / "settings.toml"
    lines = ["[store]"] + [f"{k} = {json.dumps(v)}" for k, v in store.items()]
    toml.write_text("\n".join(lines) + "\n")
    return os.environ | {"EPMO_SETTINGS": str(toml)}


def _epmo(
    *args: str, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "epmo", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _popen(*args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, *args], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _upload(store: Store, tag: str, n: int = 1, week: dt.date = WEEK) -> str:
    """Commit an upload of n projects straight to the store (what ingest commits after its
    checks, without them: fast), then the writer's automatic maintenance as ingest does."""
    ids = [f"{tag}-{i}" for i in range(n)]
    up = PreparedUpload(
        week,
        {"projects": pa.table({"project_id": ids, "project_name": [f"Project {i}" for i in ids]})},
        f"{tag}.csv",
        tag.ljust(64, "0"),
        "pm@x.org",
    )
    store.commit([up])
    maintenance.after_commit(store)
    return up.upload_id


def cli(*args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """`python -m epmo ARGS` in this process (with this process's settings): (exit code, stdout)."""
    code = main(list(args))
    return code, capsys.readouterr().out


def _projects(store: Store, week: dt.date = WEEK) -> list[str]:
    con = store.connect()
    try:
        return sorted(sql.arrow(con, "export/projects", as_of=week).column("project_id").to_pylist())
    finally:
        con.close()


def _files(store: Store, table: str) -> int:
    return len(DeltaTable(store.table_uri(table)).file_uris())


def _failing(store: Store) -> set[str]:
    return {f.check for f in integrity.check(store).findings}


def _old_compaction_race(
    store: Store, tables: tuple[str, ...] = ("projects", "submissions", "uploads")
) -> None:
    """The damage of the old behaviour, deterministically: two writers' compactions of the
    same table version (each loaded the table before the other committed)."""
    for name in tables:
        first, second = DeltaTable(store.table_uri(name)), DeltaTable(store.table_uri(name))
        first.optimize.compact()
        second.optimize.compact()


# -------------------------------------------------------------------------------- lease


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    c = Clock()
    monkeypatch.setattr(maintenance, "now_utc", c)
    return c


def test_lease_one_holder_at_a_time(store: Store, clock: Clock) -> None:
    a, b = Lease(store, "A", seconds=60), Lease(store, "B", seconds=60)
    assert a.try_take()
    assert not b.try_take()
    assert a.state().holder == "A"
    a.release()
    assert a.state().holder == ""
    assert b.try_take() and b.state().holder == "B"


def test_two_contenders_on_the_same_version_exactly_one_wins(store: Store, clock: Clock) -> None:
    a, b = Lease(store, "A"), Lease(store, "B")
    table_a, table_b = a._load(), b._load()  # both read the same version, lease free
    assert a._read(table_a).free(clock()) and b._read(table_b).free(clock())
    won = [a._swap(table_a, {"holder": "A"}), b._swap(table_b, {"holder": "B"})]
    assert won == [True, False]
    assert a.state().holder == "A"


def test_an_expired_lease_can_be_taken_and_its_old_holder_is_fenced(store: Store, clock: Clock) -> None:
    a, b = Lease(store, "A", seconds=30), Lease(store, "B", seconds=30)
    assert a.try_take()
    clock.advance(29)
    assert not b.try_take()  # not yet expired
    a.fence()  # A still holds it: fencing passes, and extends it (less than half left)
    assert a.state().expires_at == clock() + dt.timedelta(seconds=30)
    clock.advance(31)  # A stopped renewing (killed, hung)
    assert b.try_take()
    with pytest.raises(LeaseLost, match="held by B"):
        a.fence()
    a.release()  # a fenced holder's release leaves B's lease alone
    assert b.state().holder == "B"


def test_fencing_stops_a_maintainer_whose_lease_was_taken(
    store: Store, clock: Clock, store_settings: _StoreSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    store_settings["maintain_after_commit"] = False
    for i in range(4):
        _upload(store, f"F{i}")
    a, b = Lease(store, "A", seconds=30), Lease(store, "B", seconds=30)
    steps = []

    def pause() -> None:  # the maintainer stalls before its second step, past its lease
        steps.append(1)
        if len(steps) == 2:
            clock.advance(31)
            assert b.try_take()

    monkeypatch.setattr(maintenance, "_pause", pause)
    result = maintenance.run(store, force=True, lease=a)
    assert result.ran and "held by B" in result.lost_lease
    assert len(result.actions) == 1  # the first step only; nothing after the lease was lost
    assert b.state().holder == "B"
    assert integrity.check(store).ok


@pytest.mark.slow
def test_four_contending_processes_exactly_one_wins(tmp_path: Path) -> None:
    store = Store(str(tmp_path / "store"))
    store.ensure()
    Lease(store)._load()
    gate = tmp_path / "gate"
    gate.mkdir()
    procs = [_popen(*PROCS, "lease", store.uri, str(gate), env=dict(os.environ)) for _ in range(4)]
    release_when_ready(gate, 4)
    outcomes = sorted(p.communicate(timeout=60)[0].strip() for p in procs)
    assert outcomes == ["lost", "lost", "lost", "won"], outcomes


# ----------------------------------------------------------------- maintenance off commits


def test_a_commit_never_compacts(store: Store, store_settings: _StoreSettings) -> None:
    store_settings.update(compact_after_files=2, maintain_after_commit=False)
    for i in range(5):
        _upload(store, f"C{i}")
    assert _files(store, "projects") == 5  # the old commit path compacted at 3
    assert set(maintenance.due(store)) >= {"projects", "uploads", "submissions"}
    result = maintenance.run(store)
    assert any(a.startswith("compacted projects: 5 files -> 1") for a in result.actions), result.actions
    assert _files(store, "projects") == 1
    assert maintenance.due(store) == {}
    assert _projects(store) == [f"C{i}-0" for i in range(5)]


def test_ingest_maintains_once_due(store: Store, store_settings: _StoreSettings) -> None:
    store_settings["compact_after_files"] = 3
    for i in range(3):
        _upload(store, f"A{i}")
    assert _files(store, "projects") == 3  # not due yet: 3 files is not more than 3
    out = ingest(store, "a3.csv", projects_csv(project_row("A3-0")), as_of=WEEK)
    assert out.status == ACCEPTED  # crossed the threshold: the writer took the lease and compacted
    assert _files(store, "projects") == 1
    assert Lease(store).state().holder == ""  # released
    assert integrity.check(store).ok


def test_after_commit_skips_when_another_maintainer_holds_the_lease(
    store: Store, store_settings: _StoreSettings
) -> None:
    store_settings["compact_after_files"] = 1
    other = Lease(store, "someone-else", seconds=600)
    _upload(store, "H0")
    assert other.try_take()
    _upload(store, "H1")
    _upload(store, "H2")
    assert _files(store, "projects") >= 2  # the writers did not wait nor compact
    result = maintenance.run(store)
    assert not result.ran and "someone-else" in result.text()


def test_maintain_command(
    store: Store, store_settings: _StoreSettings, capsys: pytest.CaptureFixture[str]
) -> None:
    store_settings.update(compact_after_files=3, maintain_after_commit=False)
    for i in range(3):
        _upload(store, f"M{i}")
    assert cli("maintain", "--store", store.uri, capsys=capsys) == (
        0,
        "nothing due (use --force to compact, checkpoint and vacuum anyway)\n",
    )
    _upload(store, "M3")
    code, out = cli("maintain", "--store", store.uri, capsys=capsys)
    assert code == 0
    assert "due: projects: 4 files > store.compact_after_files" in out
    assert "compacted projects: 4 files -> 1" in out and "checkpointed projects at version" in out
    held = Lease(store, "ops@host:42", seconds=600)
    assert held.try_take()
    code, out = cli("maintain", "--force", "--store", store.uri, capsys=capsys)
    assert code == 0
    assert "another maintainer holds the lease: ops@host:42" in out


# --------------------------------------------------------------------------------- check


def _append(store: Store, name: str, rows: list[dict[str, Any]], schema: pa.Schema) -> None:
    store._append(name, pa.Table.from_pylist(rows, schema=schema))


def _table_rows(store: Store, name: str) -> list[dict[str, Any]]:
    """Every live row of a store table, read from its Parquet files."""
    files = [f.removeprefix("file://") for f in DeltaTable(store.table_uri(name)).file_uris()]
    return [r for f in files for r in pq.read_table(f).to_pylist()]


def _raw(store: Store, name: str, upload_id: str) -> list[dict[str, Any]]:
    return [r for r in _table_rows(store, name) if r.get("upload_id") == upload_id]


def _repeat_ledger_event(store: Store, uid: str) -> None:
    _append(store, "uploads", _raw(store, "uploads", uid), UPLOADS_SCHEMA)


def _repeat_data_row(store: Store, uid: str) -> None:
    from epmo.store import data_schema

    _append(store, "projects", _raw(store, "projects", uid)[:1], data_schema("projects"))


def _extra_distinct_row(store: Store, uid: str) -> None:
    from epmo.store import data_schema

    row = _raw(store, "projects", uid)[0] | {"project_id": "EXTRA", "source_row": 999}
    _append(store, "projects", [row], data_schema("projects"))


def _repeat_submission(store: Store, uid: str) -> None:
    _append(store, "submissions", _raw(store, "submissions", uid), SUBMISSIONS_SCHEMA)


def _repeat_document(store: Store, uid: str) -> None:
    store.save_document("mapping", "m1", "{}", "a@x.org")
    doc = _table_rows(store, "documents")
    _append(store, "documents", doc, DOCUMENTS_SCHEMA)


def _delete_a_data_file(store: Store, uid: str) -> None:
    os.remove(DeltaTable(store.table_uri("projects")).file_uris()[0].removeprefix("file://"))


DAMAGE = [
    (_repeat_ledger_event, {"integrity/ledger_event_repeated"}),
    (_repeat_data_row, {"integrity/live_row_repeated", "integrity/upload_rows_mismatch"}),
    (_extra_distinct_row, {"integrity/upload_rows_mismatch"}),
    (_repeat_submission, {"integrity/submission_repeated"}),
    (_repeat_document, {"integrity/document_repeated"}),
    (_delete_a_data_file, {"delta_log"}),
]


@pytest.mark.parametrize(("damage", "fails"), DAMAGE, ids=[d.__name__.strip("_") for d, _ in DAMAGE])
def test_check_finds_each_broken_invariant(
    store: Store, store_settings: _StoreSettings, damage: Any, fails: set[str]
) -> None:
    store_settings["maintain_after_commit"] = False
    uid = _upload(store, "K", n=2)
    _upload(store, "L")
    assert integrity.check(store).ok
    damage(store, uid)
    assert _failing(store) == fails


def test_every_integrity_query_is_tested_and_covers_every_data_table(tmp_path: Path) -> None:
    from epmo import contract

    tested = set().union(*(f for _, f in DAMAGE)) - {"delta_log"}
    assert tested == set(sql.names("integrity"))
    for name in ("integrity/upload_rows_mismatch", "integrity/live_row_repeated", "ledger/rows_of_upload"):
        assert "raw_data_rows" in sql.query(name).text, name
    # raw_data_rows, built with the raw views from the contract's list, reads every data table
    con = Store(str(tmp_path / "store")).connect()
    try:
        found = con.sql("SELECT sql FROM duckdb_views() WHERE view_name = 'raw_data_rows'").fetchall()
    finally:
        con.close()
    assert len(found) == 1
    assert all(f"FROM raw_{t} AS t" in found[0][0] for t in contract.TABLE_NAMES), found


def test_check_passes_on_the_demo_store(demo_store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = cli("check", "--store", demo_store.uri, capsys=capsys)
    assert code == 0, out
    assert "store invariants hold" in out


# -------------------------------------------------------------------------------- repair


def test_repair_restores_a_store_damaged_by_the_old_compaction(
    tmp_path: Path, store_settings: _StoreSettings, capsys: pytest.CaptureFixture[str]
) -> None:
    store_settings["maintain_after_commit"] = False
    store = Store(str(tmp_path / "store"))
    store.ensure()
    for i in range(4):
        _upload(store, f"R{i}", n=3)
    expected = _projects(store)
    _old_compaction_race(store)
    assert len(_projects(store)) == 2 * len(expected)  # every project counted twice
    check = _epmo("check", "--store", store.uri)  # a real process: the exit code
    assert check.returncode == 1
    assert "FAIL integrity/live_row_repeated" in check.stdout
    assert "FAIL integrity/ledger_event_repeated" in check.stdout
    assert (
        "upload_rows_mismatch" in check.stdout
        and "projects holds 6 rows; the ledger counts 3" in check.stdout
    )

    before = tree_digest(tmp_path / "store")
    code, out = cli("repair", "--dry-run", "--store", store.uri, capsys=capsys)
    assert code == 0
    assert "would rewrite projects: 24 rows in 2 files -> 12 (12 duplicate rows dropped)" in out
    assert tree_digest(tmp_path / "store") == before  # a dry run changes nothing

    code, out = cli("repair", "--store", store.uri, "--user", "admin@x.org", capsys=capsys)
    assert code == 0
    assert "rewrote uploads: 8 rows in 2 files -> 4" in out
    assert "audit: repair at " in out and "by admin@x.org" in out
    assert "3 table(s) rewritten, 28 duplicate rows dropped" in out
    assert cli("check", "--store", store.uri, capsys=capsys)[0] == 0
    assert _projects(Store(store.uri)) == expected
    assert "nothing to repair" in cli("repair", "--store", store.uri, capsys=capsys)[1]


def test_repair_keeps_the_first_of_repeated_retractions(store: Store, store_settings: _StoreSettings) -> None:
    store_settings["maintain_after_commit"] = False
    uid = _upload(store, "T")
    store.retract(uid, "first@x.org", "wrong file")
    retracted = [r for r in _raw(store, "uploads", uid) if r["event"] == "retracted"][0]
    for k in range(3):  # what four concurrent retracts wrote before retract was idempotent
        later = retracted | {
            "event_at": retracted["event_at"] + dt.timedelta(seconds=k + 1),
            "user_email": f"u{k}",
        }
        _append(store, "uploads", [later], UPLOADS_SCHEMA)
    assert _failing(store) == {"integrity/ledger_event_repeated"}
    result = integrity.repair(store)
    assert result.done == 1 and "rewrote uploads: 5 rows in 5 files -> 2" in result.text()
    assert integrity.check(store).ok
    events = [r for r in _raw(store, "uploads", uid) if r["event"] == "retracted"]
    assert [e["user_email"] for e in events] == ["first@x.org"]


def test_repair_refuses_while_another_maintainer_holds_the_lease(store: Store) -> None:
    assert Lease(store, "other", seconds=600).try_take()
    result = integrity.repair(store)
    assert result.refused and "held by other" in result.refused


# ------------------------------------------------------------------- concurrent processes


@pytest.mark.slow
@pytest.mark.parametrize("writers", [2, 8])
def test_concurrent_writers_crossing_the_threshold_store_each_row_once(
    tmp_path: Path, writers: int, store_settings: _StoreSettings
) -> None:
    """Writers start at once on a store one file short of compact_after_files: maintenance
    falls due during their commits. With 8 writers a reader loops throughout (and a
    `maintain --force` starts with the writers): it never sees a row twice nor loses an upload."""
    store_settings["maintain_after_commit"] = False
    store = Store(str(tmp_path / "store"))
    store.ensure()
    for i in range(3):  # 3 files per table: the next commit makes maintenance due
        _upload(store, f"S{i}", n=5)
    env = _env(tmp_path, compact_after_files=3)
    gate = tmp_path / "gate"
    gate.mkdir()
    procs = []
    for k in range(writers):
        f = tmp_path / f"pm{k}.csv"
        f.write_bytes(projects_csv(*[project_row(f"W{k}-{j}") for j in range(5)]))
        args = ["ingest", str(f), "--as-of", WEEK.isoformat(), "--store", store.uri, "--user", "pm@x.org"]
        procs.append(_popen(*PROCS, "cli", str(gate), *args, env=env))
    stop, seen_file, reader = tmp_path / "stop", tmp_path / "reader.json", None
    if writers == 8:
        procs.append(_popen(*PROCS, "cli", str(gate), "maintain", "--force", "--store", store.uri, env=env))
        reader = _popen(*PROCS, "reader", store.uri, WEEK.isoformat(), str(seen_file), str(stop), env=env)
    release_when_ready(gate, len(procs))
    for p in procs:
        out, err = p.communicate(timeout=180)
        assert p.returncode == 0, out + err
    stop.touch()
    check = integrity.check(store)
    assert check.ok, check.text()
    projects = _projects(Store(store.uri))
    assert len(projects) == len(set(projects)) == 5 * (3 + writers)
    assert _files(store, "projects") < 3 + writers  # maintenance did run
    assert len(Store(store.uri).rows("ledger/reporting_weeks")) == 1
    if reader is not None:
        reader.communicate(timeout=120)
        seen = json.loads(seen_file.read_text())
        assert seen["failures"] == [], seen["failures"][:3]
        assert seen["iterations"] >= 3 and seen["uploads"] == 3 + writers


@pytest.mark.slow
def test_sigkill_during_maintenance_then_the_lease_expires(
    tmp_path: Path, store_settings: _StoreSettings, capsys: pytest.CaptureFixture[str]
) -> None:
    store_settings.update(maintain_after_commit=False, compact_after_files=2)
    store = Store(str(tmp_path / "store"))
    store.ensure()
    for i in range(6):
        _upload(store, f"G{i}", n=2)
    expected = _projects(store)
    env = _env(tmp_path, compact_after_files=2, lease_seconds=15)
    slow = env | {maintenance.STEP_DELAY_ENV: "2"}  # steps 2 s apart: room to kill between them
    proc = _popen("-m", "epmo", "maintain", "--store", store.uri, env=slow)
    deadline = time.time() + 60
    while _files(store, "projects") > 1 and time.time() < deadline:  # killed after its first compaction
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    state = Lease(store).state()
    assert state.holder.split(":")[1] == str(proc.pid)  # the dead maintainer's lease is still there...
    code, out = cli("maintain", "--store", store.uri, capsys=capsys)
    assert code == 0 and f"another maintainer holds the lease: {state.holder}" in out
    assert integrity.check(store).ok
    assert _projects(Store(store.uri)) == expected
    assert state.expires_at is not None
    time.sleep(max(0.0, (state.expires_at - clock_now()).total_seconds()) + 0.1)  # the product clock
    code, out = cli("maintain", "--store", store.uri, capsys=capsys)  # ... until it expires
    assert code == 0 and "compacted uploads: 6 files -> 1" in out, out
    assert Lease(store).state().holder == ""
    assert integrity.check(store).ok
    assert _projects(Store(store.uri)) == expected


@pytest.mark.slow
def test_four_concurrent_retracts_write_one_event(tmp_path: Path) -> None:
    store = Store(str(tmp_path / "store"))
    store.ensure()
    uid = _upload(store, "X")
    gate = tmp_path / "gate"
    gate.mkdir()
    procs = [
        _popen(
            *PROCS,
            "cli",
            str(gate),
            "retract",
            uid,
            "--reason",
            f"r{k}",
            "--user",
            f"u{k}@x.org",
            "--store",
            store.uri,
            env=dict(os.environ),
        )
        for k in range(4)
    ]
    release_when_ready(gate, 4)
    results = [(p.communicate(timeout=120), p.returncode) for p in procs]
    assert sorted(code for _, code in results) == [0, 2, 2, 2], results
    assert sum("already retracted" in err for (_out, err), _ in results) == 3
    events = [r for r in _raw(store, "uploads", uid) if r["event"] == "retracted"]
    assert len(events) == 1
    assert integrity.check(store).ok
    with pytest.raises(AlreadyRetracted):
        store.retract(uid, "again@x.org", "again")


# ------------------------------------------------------------------------ write failures


@pytest.mark.parametrize(
    ("message", "cause"),
    [
        (
            "Generic LocalFileSystem error: Unable to copy data to file: No space left on device (os error 28)",
            "disk full",
        ),
        (
            'Could not create local directory: /s/t\nError: Os { code: 30, kind: ReadOnlyFilesystem, message: "Read-only file system" }',
            "read-only",
        ),
        ("Unable to open file /s/x.parquet: Permission denied (os error 13)", "permission denied"),
        ("Commit failed: a concurrent transaction deleted data this operation read.", None),
        ("Schema error: no field named x", None),
    ],
)
def test_write_failures_are_recognised(message: str, cause: str | None) -> None:
    assert write_failure(Exception(message)) == cause


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Any:
    """A 256 KB tmpfs (mounting needs root; the test says so when it cannot)."""
    mnt = tmp_path / "disk"
    mnt.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mnt)], capture_output=True, text=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs to fill (needs root): {done.stderr.strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def test_a_full_disk_is_said_in_words_and_saves_nothing(tmp_path: Path, tiny_disk: Path) -> None:
    store = Store(str(tiny_disk / "store"))
    store.ensure()
    _upload(store, "small")
    names = [os.urandom(100).hex() for _ in range(2500)]  # 500 KB that does not compress
    big = PreparedUpload(WEEK, {"projects": pa.table({"project_id": names})}, "big.csv", "b" * 64)
    with pytest.raises(StoreWriteError, match="could not be written: disk full. Nothing was saved"):
        store.commit([big])
    f = tmp_path / "big.csv"
    f.write_bytes(projects_csv(*[project_row(f"B{i}", project_name=n) for i, n in enumerate(names)]))
    done = _epmo("ingest", str(f), "--as-of", WEEK.isoformat(), "--store", store.uri)
    assert done.returncode == 1
    assert (
        f"error: The store at {store.uri} could not be written: disk full. Nothing was saved" in done.stderr
    )
    assert "panicked" not in done.stderr and "Traceback" not in done.stderr
    assert _projects(Store(store.uri)) == ["small-0"]


def test_a_read_only_store_is_said_in_words(
    tmp_path: Path, tiny_disk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = Store(str(tiny_disk / "store"))
    store.ensure()
    uid = _upload(store, "small")
    subprocess.run(["mount", "-o", "remount,ro", str(tiny_disk)], check=True)
    f = tmp_path / "more.csv"
    f.write_bytes(projects_csv(project_row("Z1")))
    got = _epmo("ingest", str(f), "--as-of", WEEK.isoformat(), "--store", store.uri)
    assert got.returncode == 1
    assert "could not be written: read-only. Nothing was saved" in got.stderr, got.stderr
    assert "panicked" not in got.stderr and "Traceback" not in got.stderr
    assert main(["retract", uid, "--reason", "x", "--store", store.uri]) == 1
    assert "could not be written: read-only" in capsys.readouterr().err
    assert _projects(Store(store.uri)) == ["small-0"]
