"""Store maintenance: compaction, checkpoints and vacuum, one maintainer at a time.

Why: delta-rs lets two OPTIMIZE commits that read the same version both commit (their
removes carry data_change=false, which its conflict checker lets through), so two writers
compacting at once left every compacted row in the table twice. Writers therefore only
append (epmo/store.py); everything that rewrites or deletes files runs here, under a lease.

The lease is a one-row Delta table, `maintenance/`, beside the other tables. Taking,
renewing and releasing it is an UPDATE of that row committed at exactly the next version
(max_commit_retries=0): it removes the row's file with data_change=true, so two contenders
that read the same version conflict and only one commits, and no commit is ever rebased
onto a state it did not read. This is Delta's own put-if-absent on the log, so it holds on a
local disk and on any object store Delta can commit to safely. The row names the holder and
an expiry: a killed maintainer's lease lapses after `store.lease_seconds`. Before each
destructive step the maintainer renews the lease (fencing): if someone else took it, the
renewal fails and the maintainer stops. Details: docs/store.md.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
from deltalake import CommitProperties, DeltaTable, write_deltalake
from deltalake.exceptions import CommitFailedError, DeltaError, TableNotFoundError

from epmo import objectstore, sql
from epmo.settings import current
from epmo.store import ALL_TABLES, NO_HOOKS, Store, now_utc

LEASE_TABLE = "maintenance"
LEASE_NAME = "maintenance"
LEASE_SCHEMA = pa.schema(
    [
        ("lease", pa.string()),
        ("holder", pa.string()),  # "" when free
        ("token", pa.int64()),  # +1 each time the lease is taken (a fencing token)
        ("taken_at", pa.timestamp("us", tz="UTC")),
        ("expires_at", pa.timestamp("us", tz="UTC")),
        ("checkpoints", pa.string()),  # JSON {table: version last checkpointed}
    ]
)
# Test hook for fault tests (SIGKILL during maintenance): seconds to sleep before each step.
STEP_DELAY_ENV = "EPMO_MAINTENANCE_STEP_DELAY"


class LeaseLost(RuntimeError):
    """The maintainer no longer holds the lease: it must stop before the next step."""


@dataclass(frozen=True)
class LeaseState:
    holder: str
    token: int
    taken_at: dt.datetime | None
    expires_at: dt.datetime | None
    checkpoints: dict[str, int]
    version: int

    def free(self, now: dt.datetime) -> bool:
        return not self.holder or self.expires_at is None or self.expires_at <= now

    def describe(self) -> str:
        if not self.holder:
            return "nobody"
        return (
            f"{self.holder} (taken {self.taken_at:%Y-%m-%d %H:%M:%S} UTC, "
            f"expires {self.expires_at:%Y-%m-%d %H:%M:%S} UTC)"
        )


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


class Lease:
    """The maintenance lease of a store (see the module docstring)."""

    def __init__(self, store: Store, holder: str | None = None, seconds: float | None = None):
        self.store = store
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.seconds = float(seconds if seconds is not None else current().store.lease_seconds)
        self.token: int | None = None
        self.checkpoints: dict[str, int] = {}

    @property
    def uri(self) -> str:
        return f"{self.store.uri}/{LEASE_TABLE}"

    def _load(self) -> DeltaTable:
        try:
            return DeltaTable(self.uri, storage_options=self.store.storage_options)
        except TableNotFoundError:
            pass
        free = pa.Table.from_pylist(
            [{"lease": LEASE_NAME, "holder": "", "token": 0, "checkpoints": "{}"}], schema=LEASE_SCHEMA
        )
        try:  # version 0 is put-if-absent: of two creators one wins, the other just reads
            with self.store.writing():
                write_deltalake(self.uri, free, mode="error", storage_options=self.store.storage_options)
        except (DeltaError, OSError):
            pass
        return DeltaTable(self.uri, storage_options=self.store.storage_options)

    @staticmethod
    def _read(dtable: DeltaTable) -> LeaseState:
        # Read the file list with DuckDB, as the store reads every table: a pyarrow dataset
        # over delta-rs's file system can abort the process at exit (delta-rs issue 2184).
        con = sql.connect_files_only(threads=1)  # one row of one Parquet file: no macros
        objectstore.attach(con, dtable.table_uri)
        try:
            rows = sql.arrow(con, "ledger/maintenance_lease", files=list(dtable.file_uris())).to_pylist()
        finally:
            con.close()
        if len(rows) != 1:
            raise RuntimeError(f"the maintenance lease table has {len(rows)} rows, not 1")
        r = rows[0]
        return LeaseState(
            r["holder"] or "",
            int(r["token"] or 0),
            r["taken_at"],
            r["expires_at"],
            {k: int(v) for k, v in json.loads(r["checkpoints"] or "{}").items()},
            dtable.version(),
        )

    def state(self) -> LeaseState:
        return self._read(self._load())

    def _swap(self, dtable: DeltaTable, values: dict[str, Any]) -> bool:
        """Rewrite the lease row, committed at exactly dtable.version() + 1, or fail."""
        try:
            with self.store.writing():
                dtable.update(
                    new_values=values,
                    predicate=f"lease = {_sql_text(LEASE_NAME)}",
                    commit_properties=CommitProperties(max_commit_retries=0),
                    post_commithook_properties=NO_HOOKS,
                )
        except CommitFailedError:
            return False
        return True

    def try_take(self) -> bool:
        """Take the lease if it is free or expired; never waits. True when taken."""
        dtable = self._load()
        st = self._read(dtable)
        now = now_utc()
        if not st.free(now) and st.holder != self.holder:
            return False
        expires = now + dt.timedelta(seconds=self.seconds)
        token = st.token + 1
        if not self._swap(
            dtable, {"holder": self.holder, "token": token, "taken_at": now, "expires_at": expires}
        ):
            return False
        self.token = token
        self.checkpoints = dict(st.checkpoints)
        return True

    def fence(self) -> None:
        """Before a destructive step: check (by reading the lease) that we still hold it,
        and extend it when less than half its time is left. Raise LeaseLost otherwise."""
        if self.token is None:
            raise LeaseLost("the lease was never taken")
        dtable = self._load()
        st = self._read(dtable)
        now = now_utc()
        if st.holder != self.holder or st.token != self.token or st.free(now):
            self.token = None
            raise LeaseLost(f"the maintenance lease is now held by {st.describe()}")
        assert st.expires_at is not None
        if (st.expires_at - now).total_seconds() < self.seconds / 2:
            expires = now + dt.timedelta(seconds=self.seconds)
            if not self._swap(dtable, {"expires_at": expires}):
                self.token = None
                raise LeaseLost("another maintainer took the lease")

    def release(self) -> None:
        """Give the lease up (recording the checkpoints made); best effort."""
        if self.token is None:
            return
        try:
            dtable = self._load()
            st = self._read(dtable)
            if st.holder == self.holder and st.token == self.token:
                self._swap(
                    dtable,
                    {
                        "holder": "",
                        "expires_at": now_utc(),
                        "checkpoints": json.dumps(self.checkpoints, sort_keys=True),
                    },
                )
        finally:
            self.token = None


# ---------------------------------------------------------------------------- maintenance


@dataclass
class TableState:
    name: str
    version: int
    files: int
    since_checkpoint: int

    def due(self, checkpoints_known: bool) -> list[str]:
        reasons = []
        if self.files > current().store.compact_after_files:
            reasons.append(f"{self.files} files > store.compact_after_files")
        if checkpoints_known and self.since_checkpoint >= current().store.checkpoint_after_commits:
            reasons.append(f"{self.since_checkpoint} commits since its last checkpoint")
        return reasons


def table_states(store: Store, checkpoints: dict[str, int]) -> list[TableState]:
    out = []
    for name in [*ALL_TABLES, LEASE_TABLE]:
        if name == LEASE_TABLE:
            try:
                dtable = DeltaTable(f"{store.uri}/{name}", storage_options=store.storage_options)
            except TableNotFoundError:
                continue
            state: tuple[int, int] | None = (dtable.version(), len(dtable.file_uris()))
        else:
            state = store.table_state(name)  # the store's own table objects, read incrementally
        if state is None:
            continue
        version, files = state
        out.append(TableState(name, version, files, version - checkpoints.get(name, -1)))
    return out


def due(store: Store) -> dict[str, list[str]]:
    """Tables that need maintenance, with the reasons (empty: nothing due)."""
    if not store.exists():
        return {}
    lease_state = Lease(store).state()
    reasons = {}
    for t in table_states(store, lease_state.checkpoints):
        why = t.due(checkpoints_known=True)
        if why:
            reasons[t.name] = why
    return reasons


@dataclass
class Result:
    ran: bool
    held_by: str = ""  # who holds the lease when we could not take it
    actions: list[str] = field(default_factory=list)
    lost_lease: str = ""

    def text(self) -> str:
        if not self.ran:
            return f"maintenance not run: another maintainer holds the lease: {self.held_by}"
        lines = list(self.actions) or ["nothing due"]
        if self.lost_lease:
            lines.append(f"stopped: {self.lost_lease}")
        return "\n".join(lines)


def _pause() -> None:
    delay = float(os.environ.get(STEP_DELAY_ENV) or 0)
    if delay > 0:
        time.sleep(delay)


def run(store: Store, force: bool = False, lease: Lease | None = None) -> Result:
    """Take the lease without waiting and, if got, maintain every table that is due (every
    table with `force`): compact, checkpoint, vacuum. The lease is renewed before each step."""
    lease = lease or Lease(store)
    if not lease.try_take():
        return Result(False, held_by=lease.state().describe())
    result = Result(True)
    try:
        _maintain(store, lease, force, result)
    except LeaseLost as exc:
        result.lost_lease = str(exc)
    finally:
        lease.release()
    return result


def _maintain(store: Store, lease: Lease, force: bool, result: Result) -> None:
    retention = current().store.vacuum_retention_hours
    compact_after = current().store.compact_after_files
    for t in table_states(store, lease.checkpoints):
        reasons = t.due(checkpoints_known=True)
        if not (reasons or force):
            continue
        uri = f"{store.uri}/{t.name}"
        compacted = False
        if t.name != LEASE_TABLE and (t.files > compact_after or (force and t.files > 1)):
            _pause()
            lease.fence()
            dtable = DeltaTable(uri, storage_options=store.storage_options)
            with store.writing():
                m = dtable.optimize.compact(post_commithook_properties=NO_HOOKS)
            compacted = True
            result.actions.append(
                f"compacted {t.name}: {m['numFilesRemoved']} files -> {m['numFilesAdded']} "
                f"(now version {dtable.version()})"
            )
        _pause()
        lease.fence()
        dtable = DeltaTable(uri, storage_options=store.storage_options)
        with store.writing():
            dtable.create_checkpoint()
        lease.checkpoints[t.name] = dtable.version()
        result.actions.append(f"checkpointed {t.name} at version {dtable.version()}")
        if compacted or force:
            _pause()
            lease.fence()
            with store.writing():
                deleted = dtable.vacuum(
                    retention_hours=retention,
                    dry_run=False,
                    enforce_retention_duration=False,
                    post_commithook_properties=NO_HOOKS,
                )
            result.actions.append(
                f"vacuumed {t.name}: {len(deleted)} files deleted that left the table over {retention} h ago"
            )


def after_commit(store: Store) -> Result | None:
    """The automatic run after an accepted upload: if maintenance is due, try the lease
    without waiting and maintain. Never fails the upload (which is already committed)."""
    if not current().store.maintain_after_commit:
        return None
    try:
        if not due(store):
            return None
        return run(store)
    except Exception:  # best effort: the next commit or `python -m epmo maintain` retries
        return None
