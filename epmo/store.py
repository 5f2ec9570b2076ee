"""The store of record: Delta Lake tables, read by DuckDB.

Layout under the store URI (a local path or an object-store URI such as s3://bucket/epmo):

    <table>/        one Delta table per contract table; every row carries upload_id
    submissions/    which entities (project_id, or team for capacity) each upload carries
                    for each table: the unit of supersession
    uploads/        the ledger: append-only events 'accepted' and 'retracted'
    documents/      saved named documents: column mappings, capacity scenarios, scoring
                    models... (kind, name; every version kept, the latest wins)

Commit protocol: data tables first, then submissions, then the ledger row last. The ledger
row is the commit point: every view joins through accepted_uploads, so rows of an upload
whose ledger row was never written (a killed process) are invisible. Readers load the
ledger before the data tables, so any upload they see has all its rows in their file lists.

Writers only append (appends commute under Delta's optimistic concurrency). Nothing on the
commit path compacts, checkpoints or vacuums: that is maintenance (epmo/maintenance.py), one
maintainer at a time under a lease. See docs/store.md.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa
import pyarrow.compute  # noqa: F401  (pa.compute)
from deltalake import CommitProperties, DeltaTable, PostCommitHookProperties, write_deltalake
from deltalake.exceptions import CommitFailedError, DeltaError, TableNotFoundError

from epmo import audit, clock, contract, objectstore, sql
from epmo.settings import current, health_rules

if TYPE_CHECKING:  # a DuckDB .df() imports pandas when asked; a process that never asks skips it (0.2 s)
    import pandas as pd

ARROW_TYPES = {
    contract.TEXT: pa.string(),
    contract.EMAIL: pa.string(),
    contract.ENUM: pa.string(),
    contract.DATE: pa.date32(),
    contract.NUMBER: pa.float64(),
    contract.INTEGER: pa.int64(),
    contract.BOOLEAN: pa.bool_(),
}

UPLOADS_SCHEMA = pa.schema(
    [
        ("upload_id", pa.string()),
        ("event", pa.string()),
        ("event_at", pa.timestamp("us", tz="UTC")),
        ("user_email", pa.string()),
        ("file_name", pa.string()),
        ("sha256", pa.string()),
        ("as_of_date", pa.date32()),
        ("tables", pa.string()),
        ("row_counts", pa.string()),
        ("mapping_name", pa.string()),
        ("note", pa.string()),
    ]
)
SUBMISSIONS_SCHEMA = pa.schema(
    [("upload_id", pa.string()), ("table_name", pa.string()), ("entity_key", pa.string())]
)
DOCUMENTS_SCHEMA = pa.schema(
    [
        ("kind", pa.string()),
        ("name", pa.string()),
        ("saved_at", pa.timestamp("us", tz="UTC")),
        ("saved_by", pa.string()),
        ("as_of_date", pa.date32()),
        ("spec", pa.string()),
    ]
)
# The access list (epmo/access.py): append-only events 'grant', 'revoke' and 'assign_pm';
# the latest event per person (per project for assign_pm) is in force, every one is kept.
ACCESS_SCHEMA = pa.schema(
    [
        ("event_at", pa.timestamp("us", tz="UTC")),
        ("event", pa.string()),
        ("email", pa.string()),
        ("role", pa.string()),
        ("portfolios", pa.string()),  # JSON list; empty list = every portfolio
        ("teams", pa.string()),  # JSON list: the capacity teams a pm may upload for
        ("project_id", pa.string()),  # assign_pm: the project
        ("by_email", pa.string()),
        ("via", pa.string()),
        ("note", pa.string()),
    ]
)
# The audit trail (epmo/audit.py): one row per change, who, when, from where, what.
AUDIT_SCHEMA = pa.schema(
    [
        ("event_at", pa.timestamp("us", tz="UTC")),
        ("actor", pa.string()),
        ("role", pa.string()),
        ("via", pa.string()),
        ("action", pa.string()),
        ("target", pa.string()),
        ("detail", pa.string()),
    ]
)
META_TABLES = {
    "uploads": UPLOADS_SCHEMA,
    "submissions": SUBMISSIONS_SCHEMA,
    "documents": DOCUMENTS_SCHEMA,
    "access": ACCESS_SCHEMA,
    "audit": AUDIT_SCHEMA,
}
# Tables added after stores already existed: a store without them is not damaged (they are
# created with the first write), and a reader sees them empty.
OPTIONAL_TABLES = ("access", "audit")


def data_schema(table_name: str) -> pa.Schema:
    t = contract.table(table_name)
    fields = [pa.field(c.name, ARROW_TYPES[c.type]) for c in t.columns]
    fields += [pa.field("upload_id", pa.string()), pa.field("source_row", pa.int64())]
    return pa.schema(fields)


ALL_TABLES: dict[str, pa.Schema] = {t: data_schema(t) for t in contract.TABLE_NAMES} | META_TABLES


def default_store_uri() -> str:
    return os.environ.get("EPMO_STORE") or current().store.default_uri


def now_utc() -> dt.datetime:
    return clock.now()


@dataclass
class PreparedUpload:
    """A validated upload ready to commit: typed tables keyed by contract table name."""

    as_of_date: dt.date
    tables: dict[str, pa.Table]
    file_name: str
    sha256: str
    user_email: str = ""
    mapping_name: str = ""
    note: str = ""
    upload_id: str = field(default_factory=lambda: uuid.uuid4().hex)

    def row_counts(self) -> dict[str, int]:
        return {name: t.num_rows for name, t in self.tables.items()}


@dataclass(frozen=True)
class Snapshot:
    """An immutable view of the store: each table's version and current Parquet files."""

    uri: str
    versions: tuple[tuple[str, int], ...]
    files: dict[str, tuple[str, ...]]
    # The portfolios this view may show (epmo/access.py); None = every portfolio. A scoped
    # snapshot's connections hold only those portfolios' projects (register_snapshot).
    scope: tuple[str, ...] | None = None
    # A scoped project manager's address: their own projects are in scope too, whichever
    # portfolio holds them (views/project_owners says who manages what). None: nobody's.
    manager: str | None = None

    @property
    def view(self) -> tuple[str, tuple[str, ...] | None, str | None]:
        """Which view of the store this is (store, scope, whose own projects): snapshots of
        one view differ only in their versions; another view's rows are another person's."""
        return (self.uri, self.scope, self.manager)

    @property
    def key(self) -> str:
        """Cache key: changes whenever any table changes (and differs per scope)."""
        key = self.uri + "|" + ",".join(f"{n}={v}" for n, v in self.versions)
        if self.scope is None:
            return key
        return (
            key
            + "|scope="
            + json.dumps(list(self.scope))
            + ("|manager=" + json.dumps(self.manager) if self.manager else "")
        )

    def scoped(
        self, portfolios: tuple[str, ...] | frozenset[str] | None, manager: str | None = None
    ) -> Snapshot:
        """The same snapshot restricted to `portfolios` and, with `manager`, that project
        manager's own projects (None: unrestricted)."""
        if portfolios is None:
            return replace(self, scope=None, manager=None)
        return replace(
            self, scope=tuple(sorted(portfolios)), manager=manager.strip().lower() if manager else None
        )


class Store:
    def __init__(
        self,
        uri: str | None = None,
        storage_options: dict[str, str] | None = None,
        scope: tuple[str, ...] | None = None,
        manager: str | None = None,
    ):
        self.uri = (uri or default_store_uri()).rstrip("/")
        # An object-store URI takes its endpoint and credentials from the environment
        # (epmo/objectstore.py); a local path needs none.
        self.storage_options = (
            storage_options if storage_options is not None else objectstore.storage_options(self.uri)
        )
        # Reads through this object see only these portfolios (epmo/access.py store_for).
        self.scope = scope
        # ... and, for a scoped project manager, their own projects wherever they are.
        self.manager = manager.strip().lower() if manager and scope is not None else None
        self._tables: dict[str, DeltaTable] = {}
        self._lock = threading.Lock()
        self._upgraded = False
        self._ensured = False  # every table seen to exist once: tables are never dropped
        # On an object store every look at the logs is a round of LIST requests: a snapshot
        # is reused for [objectstore] refresh_seconds (a write through this object forgets it).
        self._recent: tuple[float, Snapshot] | None = None
        # Concurrent snapshot requests share reads (see _shared_read); writes are counted so
        # that a read overlapping a write is never kept as the recent one.
        self._reads = threading.Condition()
        self._reads_started = 0
        self._reading = False
        self._last_read: tuple[int, Snapshot] | None = None
        self._writes_done = 0

    @property
    def view(self) -> tuple[str, tuple[str, ...] | None, str | None]:
        """The view of the store its snapshots are (Snapshot.view)."""
        return (self.uri, self.scope, self.manager)

    # ------------------------------------------------------------------ layout

    @property
    def is_local(self) -> bool:
        return not objectstore.is_remote(self.uri)

    def table_uri(self, name: str) -> str:
        if name not in ALL_TABLES:
            raise KeyError(f"not a store table: {name!r}")
        return f"{self.uri}/{name}"

    def ensure(self) -> None:
        """Create any missing table (empty, with its schema). Safe to call concurrently.
        Once per Store object: on an object store each look is a request."""
        if self._ensured:
            return
        with self.writing():
            self._ensure()
        self._ensured = True

    def _ensure(self) -> None:
        if self.is_local:
            Path(self.uri).mkdir(parents=True, exist_ok=True)
        for name, schema in ALL_TABLES.items():
            if not DeltaTable.is_deltatable(self.table_uri(name), self.storage_options):
                try:
                    DeltaTable.create(
                        self.table_uri(name),
                        schema=schema,
                        mode="ignore",
                        storage_options=self.storage_options,
                    )
                except Exception:
                    # Another process created it first; that is fine if it now exists.
                    if not DeltaTable.is_deltatable(self.table_uri(name), self.storage_options):
                        raise

    def exists(self) -> bool:
        return DeltaTable.is_deltatable(self.table_uri("uploads"), self.storage_options)

    def upgrade(self) -> int:
        """Bring a store made by an earlier version up to date; returns rows copied.

        Before the documents table, saved column mappings lived in a mappings/ table: copy
        each of its versions into documents (kind 'mapping') once. The old table is left as
        it was. Idempotent: versions already copied are recognised by name and time.
        """
        legacy = f"{self.uri}/mappings"
        if not DeltaTable.is_deltatable(legacy, self.storage_options):
            return 0
        files = DeltaTable(legacy, storage_options=self.storage_options).file_uris()
        if not files:
            return 0
        self.ensure()
        rows = self.rows("ledger/legacy_mappings_to_copy", files=list(files))
        if rows:
            table = pa.Table.from_pylist(
                [{"kind": "mapping", "as_of_date": None} | r for r in rows], schema=DOCUMENTS_SCHEMA
            )
            self._append("documents", table)
        return len(rows)

    # ------------------------------------------------------------------ reading

    def _table(self, name: str) -> DeltaTable | None:
        dtable = self._tables.get(name)
        if dtable is None:
            try:
                dtable = DeltaTable(self.table_uri(name), storage_options=self.storage_options)
            except TableNotFoundError:
                return None
            self._tables[name] = dtable
        else:
            dtable.update_incremental()
        return dtable

    def table_state(self, name: str) -> tuple[int, int] | None:
        """(version, number of current files) of one table, read now (None: no such table),
        through the table object this store keeps (an incremental read of the log, not the
        whole log again: maintenance asks this of every table after each commit)."""
        with self._lock:
            dtable = self._table(name)
            return None if dtable is None else (dtable.version(), len(dtable.file_uris()))

    def snapshot(self, fresh: bool = False) -> Snapshot:
        """Versions and file lists, the ledger read first (see the module docstring).

        On an object store, a snapshot read less than [objectstore] refresh_seconds ago is
        reused unless `fresh`: what another replica commits shows within that bound, and
        what this process commits at once (its writes forget the reused snapshot)."""
        recent = self._recent
        if not fresh and recent is not None and time.monotonic() - recent[0] < self._refresh_seconds():
            return recent[1]
        if not self._upgraded:  # once per Store object: a store from an earlier version
            self._upgraded = True
            # before the shared read, not inside it: the upgrade reads a snapshot itself,
            # and a read waiting for the read in flight on its own thread never returns
            self.upgrade()
        writes = self._writes_done
        snap = self._shared_read()
        if not self.is_local and self._writes_done == writes:
            self._recent = (time.monotonic(), snap)
        return snap

    def _shared_read(self) -> Snapshot:
        """A snapshot read that *started after this call* (so it holds every commit finished
        before the call), shared by every caller that arrived before it started.

        Every page run asks for the snapshot: on a busy replica the callers queued on the
        store's lock, each re-reading the twelve Delta logs in turn (46 s of 200 s of page
        time waiting there in a profile of ten sessions). Now the callers that arrive while
        a read is in flight wait for it to end, then share the next one: two reads at most
        per convoy, and no caller gets a snapshot older than its call."""
        with self._reads:
            need = self._reads_started + 1  # a read in flight started before this call
            while True:
                done = self._last_read
                if done is not None and done[0] >= need:
                    return done[1]
                if not self._reading:
                    self._reading = True
                    self._reads_started += 1
                    number = self._reads_started
                    break
                self._reads.wait()
        try:
            snap = self._read_snapshot()
        except BaseException:
            with self._reads:
                self._reading = False
                self._reads.notify_all()  # a waiter starts its own read
            raise
        with self._reads:
            self._reading = False
            self._last_read = (number, snap)
            self._reads.notify_all()
        return snap

    def _refresh_seconds(self) -> float:
        return float(current().objectstore.refresh_seconds)

    def _read_snapshot(self) -> Snapshot:
        order = ["uploads", "submissions", "documents", *contract.TABLE_NAMES, *OPTIONAL_TABLES]
        versions: list[tuple[str, int]] = []
        files: dict[str, tuple[str, ...]] = {}
        with self._lock:
            for name in order:
                dtable = self._table(name)
                if dtable is None:
                    versions.append((name, -1))
                    files[name] = ()
                else:
                    versions.append((name, dtable.version()))
                    files[name] = tuple(dtable.file_uris())
        return Snapshot(self.uri, tuple(versions), files).scoped(self.scope, self.manager)

    def connect(
        self,
        snapshot: Snapshot | None = None,
        threads: int | None = None,
        cutoff_at: dt.datetime | None = None,
        threaded: bool = False,
    ) -> duckdb.DuckDBPyConnection:
        """A DuckDB connection with the store's raw tables and as-of views over `snapshot`
        (frozen at `cutoff_at` when given: see register_snapshot).

        A cursor of the process's shared catalog (shared_connection: ~0.05 s instead of
        ~0.3 s), for one thread at a time; threaded=True (the app's connection, which the
        sessions' threads query at once through cursors of it) or a thread count gives a
        connection of its own."""
        snap = snapshot or self.snapshot()
        if threads is None and not threaded:
            return shared_connection(snap, cutoff_at)
        con = sql.connect(threads=threads)
        register_snapshot(con, snap, cutoff_at)
        return con

    def rows(self, name: str, /, **params: Any) -> list[dict[str, Any]]:
        """A named query over the current snapshot, as a list of dicts (small results)."""
        con = self.connect()
        try:
            return sql.arrow(con, name, **params).to_pylist()
        finally:
            con.close()

    def frame(self, name: str, /, **params: Any) -> pd.DataFrame:
        """A named query over the current snapshot, as a pandas DataFrame."""
        con = self.connect()
        try:
            return sql.df(con, name, **params)
        finally:
            con.close()

    # ------------------------------------------------------------------ writing

    def commit(self, uploads: list[PreparedUpload]) -> None:
        """Append uploads atomically (per upload: all of it visible, or none).

        Appends only: never compacts (maintenance does, under its lease). A write the store
        refuses (disk full, read-only, permission) raises StoreWriteError."""
        if not uploads:
            return
        per_table: dict[str, list[pa.Table]] = {}
        for up in uploads:
            for name, tbl in up.tables.items():
                per_table.setdefault(name, []).append(conform(tbl, data_schema(name), up.upload_id))
        ledger = [
            {
                "upload_id": up.upload_id,
                "as_of_date": up.as_of_date,
                "user_email": up.user_email,
                "file_name": up.file_name,
                "sha256": up.sha256,
                "tables": ",".join(sorted(up.tables)),
                "row_counts": json.dumps(up.row_counts(), sort_keys=True),
                "mapping_name": up.mapping_name,
                "note": up.note,
            }
            for up in uploads
        ]
        self.commit_frames({n: pa.concat_tables(p) for n, p in per_table.items()}, ledger)

    def commit_frames(self, frames: dict[str, pa.Table], ledger: list[dict[str, Any]]) -> None:
        """Append data already in store schema (with upload_id), then the ledger rows last."""
        self.ensure()
        submissions = []
        for name, data in frames.items():
            key = contract.table(name).entity_key
            pairs = data.select(["upload_id", key]).group_by(["upload_id", key]).aggregate([])
            pairs = pairs.filter(pa.compute.is_valid(pairs[key]))
            submissions.append(
                pa.table(
                    {
                        "upload_id": pairs["upload_id"],
                        "table_name": pa.repeat(pa.scalar(name, pa.string()), pairs.num_rows),
                        "entity_key": pairs[key].cast(pa.string()),
                    },
                    schema=SUBMISSIONS_SCHEMA,
                )
            )
        writes = [
            (name, part) for name, data in frames.items() for part in _parts(data.cast(data_schema(name)))
        ]
        if submissions:
            writes.append(("submissions", pa.concat_tables(submissions)))
        self._append_all(writes)
        stamp = now_utc()
        rows = [{"event": "accepted", "event_at": stamp} | r for r in ledger]
        self._append("uploads", pa.Table.from_pylist(rows, schema=UPLOADS_SCHEMA))  # commit point
        first = ledger[0].get("user_email", "") if ledger else ""
        self.append_audit(
            audit.rows(
                "upload",
                [
                    (
                        str(r["upload_id"]),
                        {
                            k: r.get(k)
                            for k in ("file_name", "as_of_date", "tables", "row_counts", "user_email")
                        },
                    )
                    for r in ledger
                ],
                fallback_email=str(first or ""),
            )
        )

    def append_audit(self, rows: pa.Table) -> None:
        """Append audit rows (epmo/audit.py); after the change they describe has committed."""
        if rows.num_rows:
            self._append("audit", rows)

    def commit_submissions(self, submissions: pa.Table, ledger: dict[str, Any]) -> None:
        """Append submissions without data rows, then their ledger row last: a "no change
        this week" confirmation (epmo/weekly.py). The as-of views resolve each confirmed
        entity to the rows of its latest earlier submission (views/submission_validity)."""
        self.ensure()
        self._append("submissions", submissions.cast(SUBMISSIONS_SCHEMA))
        row = {"event": "accepted", "event_at": now_utc()} | ledger
        self._append("uploads", pa.Table.from_pylist([row], schema=UPLOADS_SCHEMA))  # commit point
        detail = {k: ledger.get(k) for k in ("file_name", "as_of_date", "tables", "user_email")}
        self.append_audit(
            audit.rows(
                "confirm unchanged",
                [(str(ledger.get("upload_id", "")), detail)],
                str(ledger.get("user_email") or ""),
            )
        )

    def retract(self, upload_id: str, user_email: str, reason: str) -> None:
        """Append a 'retracted' event, once: idempotent under concurrency.

        The event is committed at exactly the ledger version it was decided on (no rebase:
        max_commit_retries=0), so when several processes retract the same upload at once,
        one commits and the others see a newer ledger, re-read it, and find the upload
        already retracted (AlreadyRetracted). Raises KeyError for an unknown upload.
        """
        for _attempt in range(current().store.retract_attempts):
            snap = self.snapshot(fresh=True)
            ledger = self._tables.get("uploads")
            con = self.connect(snap)
            try:
                found = sql.arrow(con, "ledger/upload_by_id", upload_id=upload_id).to_pylist()
            finally:
                con.close()
            if not found:
                raise KeyError(f"no accepted upload with id {upload_id}")
            if found[0]["is_retracted"]:
                raise AlreadyRetracted(
                    f"upload {upload_id} is already retracted (by {found[0]['retracted_by'] or 'unknown'} "
                    f"at {found[0]['retracted_at']:%Y-%m-%d %H:%M} UTC); nothing written"
                )
            assert ledger is not None  # the upload was found in it
            row = {
                "upload_id": upload_id,
                "event": "retracted",
                "event_at": now_utc(),
                "user_email": user_email,
                "file_name": found[0]["file_name"],
                "sha256": found[0]["sha256"],
                "as_of_date": found[0]["as_of_date"],
                "tables": found[0]["tables"],
                "row_counts": found[0]["row_counts"],
                "mapping_name": found[0]["mapping_name"],
                "note": reason,
            }
            try:
                self._append(
                    "uploads", pa.Table.from_pylist([row], schema=UPLOADS_SCHEMA), at_version_after=ledger
                )
                self.append_audit(
                    audit.rows(
                        "retract",
                        [(upload_id, {"reason": reason, "file_name": found[0]["file_name"]})],
                        fallback_email=user_email,
                    )
                )
                return
            except CommitFailedError:  # the ledger moved since we read it: decide again
                time.sleep(random.uniform(0.01, 0.1))
        raise StoreBusy(f"the ledger kept changing; upload {upload_id} was not retracted. Try again.")

    def save_document(
        self,
        kind: str,
        name: str,
        spec_json: str,
        user_email: str,
        as_of: dt.date | None = None,
        said: dict[str, Any] | None = None,
    ) -> None:
        """Save a new version of a named document (older versions stay; see views/saved_documents).

        kind says what it is ("mapping", "scenario", "scoring_model", ...); as_of is the
        reporting week it was made against, when that matters. `said`: what the audit trail
        says of it instead of that week (a decision: the day it was taken, and its week).
        """
        name = name.strip()
        if not name:
            raise ValueError("a saved document needs a name")
        json.loads(spec_json)  # only valid JSON is stored
        self.ensure()
        row = {
            "kind": kind,
            "name": name,
            "saved_at": now_utc(),
            "saved_by": user_email,
            "as_of_date": as_of,
            "spec": spec_json,
        }
        self._append("documents", pa.Table.from_pylist([row], schema=DOCUMENTS_SCHEMA))
        self.append_audit(
            audit.rows(
                f"save {kind}",
                [(name, {**(said if said is not None else {"as_of_date": as_of}), "bytes": len(spec_json)})],
                user_email,
            )
        )

    def documents(self, kind: str) -> list[dict[str, Any]]:
        """The latest version of every saved document of a kind, by name."""
        return self.rows("ledger/documents", kind=kind)

    def document(self, kind: str, name: str, version: int | None = None) -> dict[str, Any] | None:
        """One saved document (the latest version unless `version` is given), or None."""
        rows = self.rows("ledger/document_versions", kind=kind, name=name)
        if version is not None:
            rows = [r for r in rows if r["version"] == version]
        return rows[0] if rows else None

    def _append(self, name: str, data: pa.Table, at_version_after: DeltaTable | None = None) -> None:
        """Append rows to a table. With `at_version_after` (a loaded DeltaTable of `name`),
        commit at exactly the next version or fail with CommitFailedError (compare-and-swap
        on the Delta log). Post-commit checkpoints are left to maintenance."""
        self._recent = None
        self._write(name, data, at_version_after)
        self._written([name])

    def _append_all(self, writes: list[tuple[str, pa.Table]]) -> None:
        """Append each (table, rows) at once, on threads (delta-rs encodes the Parquet and
        commits without the GIL; concurrent appends commute, even to one table). Every write
        is waited for; the first failure is raised after, when the others have ended. Used
        for what an upload writes before its ledger row (the commit point): data written
        without the ledger row is never read (the as-of views read accepted uploads only)."""
        if len(writes) <= 1:
            for name, data in writes:
                self._append(name, data)
            return
        from concurrent.futures import ThreadPoolExecutor

        self._recent = None
        with ThreadPoolExecutor(max_workers=min(len(writes), _WRITE_THREADS)) as pool:
            futures = [pool.submit(self._write, name, data) for name, data in writes]
        for future in futures:
            future.result()
        self._written([name for name, _ in writes])

    def _write(self, name: str, data: pa.Table, at_version_after: DeltaTable | None = None) -> None:
        target: str | DeltaTable = at_version_after if at_version_after is not None else self.table_uri(name)
        with self.writing():
            write_deltalake(
                target,
                data,
                mode="append",
                storage_options=self.storage_options,
                commit_properties=CommitProperties(max_commit_retries=0) if at_version_after else None,
                post_commithook_properties=NO_HOOKS,
            )

    def _written(self, names: list[str]) -> None:
        self._recent = None  # and after: a snapshot read during the write is stale
        self._writes_done += 1  # (and a read in flight now is not kept as the recent one)
        for name in dict.fromkeys(names):
            for listener in list(_WRITE_LISTENERS.values()):
                listener(self.uri, name)

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """Turn the store's refusals to write (disk full, read-only, permission) into
        StoreWriteError with a message in words; anything else passes through."""
        try:
            yield
        except (DeltaError, OSError) as exc:
            if isinstance(exc, CommitFailedError):
                raise
            cause = write_failure(exc)
            if cause is None:
                raise
            raise StoreWriteError(self.uri, cause) from exc


# Called after every commit through a Store with (store uri, table name): the app remembers a
# session's own writes so that session reads them at once (app_pages/_shared.py snapshot).
_WRITE_LISTENERS: dict[str, Callable[[str, str], None]] = {}


def add_write_listener(listener: Callable[[str, str], None]) -> None:
    """Register `listener` (once per qualified name: a reloaded module replaces its own)."""
    _WRITE_LISTENERS[f"{listener.__module__}.{listener.__qualname__}"] = listener


# Writers commit and stop: checkpoints (and log cleanup) are maintenance's job, under its lease.
NO_HOOKS = PostCommitHookProperties(create_checkpoint=False, cleanup_expired_logs=False)

# What the operating system said (as delta-rs reports it) -> what to tell the user.
_WRITE_FAILURES = (
    (("os error 28", "no space left"), "disk full"),
    (("os error 30", "read-only file system"), "read-only"),
    (("os error 13", "permission denied", "os error 1)", "operation not permitted"), "permission denied"),
    (("os error 122", "quota exceeded"), "disk quota exceeded"),
)


# What an object store said when it could not be read (delta-rs and pyarrow report the
# server's reply inside a chain of messages) -> what an operator should check.
_READ_FAILURES = (
    (
        ("nosuchbucket", "bucket does not exist"),
        "its bucket does not exist (the app never creates buckets: create it, or correct EPMO_STORE)",
    ),
    (
        ("invalidaccesskeyid", "signaturedoesnotmatch", "accessdenied", "403 forbidden", "expiredtoken"),
        "the object store refused the credentials (check AWS_ACCESS_KEY_ID and "
        "AWS_SECRET_ACCESS_KEY, or the role the server runs as)",
    ),
    (
        ("connection refused", "tcp connect error", "dns error", "error sending request"),
        "the object store's endpoint cannot be reached (check AWS_ENDPOINT_URL and the network)",
    ),
)


def read_failure(exc: BaseException, uri: str) -> str | None:
    """Why the object store at `uri` could not be read, in words, or None when `uri` is a
    local store or `exc` (an OSError or a Delta error, or what caused it) is not such a
    failure: a local file's error, or another error whose text happens to hold the words,
    is never taken for one."""
    if not objectstore.is_remote(uri):
        return None
    seen: BaseException | None = exc
    text, visited = "", set[int]()
    while seen is not None and id(seen) not in visited and len(visited) < 20:
        visited.add(id(seen))
        if isinstance(seen, OSError | DeltaError) and not isinstance(seen, FileNotFoundError):
            text += " " + str(seen).lower()
        seen = seen.__cause__ or seen.__context__
    for needles, cause in _READ_FAILURES:
        if any(n in text for n in needles):
            return cause
    return None


def write_failure(exc: BaseException) -> str | None:
    """Why the store refused a write, in words, or None when `exc` is not such a refusal."""
    text = str(exc).lower()
    if isinstance(exc, OSError) and exc.errno is not None:
        text += f" (os error {exc.errno})"
    for needles, cause in _WRITE_FAILURES:
        if any(n in text for n in needles):
            return cause
    return None


class StoreWriteError(Exception):
    """The store refused a write. The commit protocol means nothing of the upload is visible."""

    def __init__(self, uri: str, cause: str):
        self.uri, self.cause = uri, cause
        super().__init__(
            f"The store at {uri} could not be written: {cause}. Nothing was saved. "
            "Free space or fix the store's permissions, then try again."
        )


class AlreadyRetracted(ValueError):
    """Retracting an upload that is already retracted: nothing is written."""


class StoreBusy(RuntimeError):
    """An optimistic write lost its race too many times in a row."""


# An upload's rows of one table are appended in parts of at least this many rows, one per
# core, on threads (Store._append_all): 1,000,000 rows in 0.08-0.10 s instead of 0.14-0.18 s
# as one Parquet file (bench/ingestion.py). A usual weekly upload is far smaller: one part,
# one file.
PART_ROWS = 250_000
_WRITE_THREADS = max(2, min(8, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 2))


def _parts(data: pa.Table) -> list[pa.Table]:
    """`data` in parts to append side by side: one per PART_ROWS rows, at most one per core."""
    count = min(data.num_rows // PART_ROWS, _WRITE_THREADS) or 1
    if count == 1:
        return [data]
    step = -(-data.num_rows // count)
    return [data.slice(start, step) for start in range(0, data.num_rows, step)]


def conform(tbl: pa.Table, schema: pa.Schema, upload_id: str) -> pa.Table:
    """Cast a typed upload table to the store schema, adding upload_id and source_row."""
    n = tbl.num_rows
    arrays: list[Any] = []
    for f in schema:
        if f.name == "upload_id":
            arrays.append(pa.repeat(pa.scalar(upload_id, pa.string()), n))
        elif f.name in tbl.column_names:
            arrays.append(tbl[f.name].cast(f.type))
        elif f.name == "source_row" and "_row" in tbl.column_names:
            arrays.append(tbl["_row"].cast(pa.int64()))
        else:
            arrays.append(pa.nulls(n, f.type))
    return pa.Table.from_arrays(arrays, schema=schema)


def _empty_select(schema: pa.Schema) -> str:
    cols = ", ".join(f"CAST(NULL AS {_duck_type(f.type)}) AS {_quote(f.name)}" for f in schema)
    return f"SELECT {cols} WHERE FALSE"


def _duck_type(t: pa.DataType) -> str:
    if pa.types.is_string(t):
        return "VARCHAR"
    if pa.types.is_date32(t):
        return "DATE"
    if pa.types.is_float64(t):
        return "DOUBLE"
    if pa.types.is_int64(t):
        return "BIGINT"
    if pa.types.is_boolean(t):
        return "BOOLEAN"
    if pa.types.is_timestamp(t):
        return "TIMESTAMPTZ"
    raise TypeError(f"no DuckDB type for {t}")


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _read_files(files: tuple[str, ...]) -> str:
    listing = "[" + ", ".join(sql.literal(f) for f in files) + "]"
    return f"read_parquet({listing}, union_by_name = true)"


def scope_filter(name: str) -> str | None:
    """The WHERE clause that keeps a raw table's rows within a portfolio scope (the
    scope_projects table of _register_scope). Per-project tables keep their in-scope
    projects' rows; submissions and the ledger those uploads' rows (capacity, which is kept
    per team and not per portfolio, stays whole); decisions naming projects only when one of
    them is in scope; of the access list, only its in-scope projects' reassignments
    (assign_pm: views/project_owners names a project's manager from them); the audit trail
    is left out entirely."""
    in_scope = "project_id IN (SELECT project_id FROM scope_projects)"
    if name in contract.TABLE_NAMES:
        return in_scope if "project_id" in contract.table(name).column_names else None
    if name == "submissions":
        return "table_name = 'capacity' OR entity_key IN (SELECT project_id FROM scope_projects)"
    if name == "uploads":
        return "upload_id IN (SELECT upload_id FROM raw_submissions)"
    if name == "documents":
        return (
            "kind <> 'decision' OR coalesce(json_array_length(spec, '$.project_ids'), 0) = 0 "
            "OR list_has_any(CAST(json_extract_string(spec, '$.project_ids[*]') AS VARCHAR[]), "
            "(SELECT list(project_id) FROM scope_projects))"
        )
    if name == "access":
        return f"event = 'assign_pm' AND {in_scope}"
    return "FALSE"  # audit: not portfolio data; admins read it unscoped


# The unscoped relations a scope is computed from (views/project_owners reads them): named
# only while access/scope_projects runs.
_SCOPE_SOURCES = ("projects", "uploads", "access")
# What views/project_owners needs defined on a connection of its own (on a cursor of the
# shared catalog these are already there).
_SCOPE_DEFINITIONS = ("views/accepted_uploads", "views/project_owners")


def _register_scope(con: duckdb.DuckDBPyConnection, snap: Snapshot, temp: bool = False) -> None:
    """The scope's tables: scope_portfolios and scope_managers (bound values) and
    scope_projects (the projects views/project_owners places in one of those portfolios or
    gives to that manager). The unscoped rows are named only while scope_projects is
    computed, then dropped, so no later query (the SQL explorer's included) can name an
    unscoped relation."""
    assert snap.scope is not None
    kind = "TEMP " if temp else ""
    con.execute(f"CREATE OR REPLACE {kind}TABLE scope_portfolios (portfolio VARCHAR)")
    if snap.scope:
        con.executemany("INSERT INTO scope_portfolios VALUES ($1)", [[p] for p in snap.scope])
    con.execute(f"CREATE OR REPLACE {kind}TABLE scope_managers (email VARCHAR)")
    if snap.manager:
        con.execute("INSERT INTO scope_managers VALUES ($1)", [snap.manager.strip().lower()])
    try:
        for table in _SCOPE_SOURCES:
            files = snap.files.get(table, ())
            body = f"SELECT * FROM {_read_files(files)}" if files else _empty_select(ALL_TABLES[table])  # noqa: S608 (our own files)
            con.execute(f"CREATE OR REPLACE TEMP VIEW {_quote('raw_' + table)} AS {body}")  # noqa: S608 (allow-listed)
        if not temp:
            for name in _SCOPE_DEFINITIONS:
                sql.execute_script(con, name)
        sql.execute_script(con, "access/scope_projects", temp=temp)
    finally:
        for table in _SCOPE_SOURCES:
            con.execute(f"DROP VIEW IF EXISTS temp.{_quote('raw_' + table)}")


# A frozen connection (a steering deck) sees only the ledger events and documents committed
# at or before its cutoff; decisions, what a meeting produces, stay live. Data tables are
# append-only and every view joins through the ledger, so this freezes everything.
FROZEN_FILTERS = {
    "uploads": "event_at <= (SELECT cutoff_at FROM frozen_cutoff)",
    "documents": "saved_at <= (SELECT cutoff_at FROM frozen_cutoff) OR kind = 'decision'",
}


def register_snapshot(
    con: duckdb.DuckDBPyConnection,
    snap: Snapshot,
    cutoff_at: dt.datetime | None = None,
    paths_in_variables: bool = False,
) -> None:
    """Create raw_<table> views over the snapshot's files, then the as-of views and macros.

    With `paths_in_variables` (the SQL explorer), each raw view reads its file list from
    the session variable raw_files_<table>, so no view's definition holds a server path
    (duckdb_views(), information_schema.views); the explorer refuses getvariable and
    duckdb_variables by name (sandbox.HIDDEN).

    With `cutoff_at`, the ledger and the documents are cut at that commit stamp (see
    FROZEN_FILTERS) before anything is derived from them. File paths come from the Delta log
    of our own store and table names from ALL_TABLES; both are quoted (DDL cannot take bound
    parameters); the cutoff is bound.

    This defines everything on a connection of its own (the SQL explorer's sandbox, a
    connection with its own thread count); `Store.connect` instead takes a cursor of the
    process's shared catalog (`shared_connection`), where only the snapshot's relations are
    created and the definitions are read from the catalog.
    """
    _register_data(con, snap, cutoff_at, temp=False, paths_in_variables=paths_in_variables)
    for name in DEFINITIONS:
        sql.execute_script(con, name)


def _register_data(
    con: duckdb.DuckDBPyConnection,
    snap: Snapshot,
    cutoff_at: dt.datetime | None,
    temp: bool,
    paths_in_variables: bool = False,
) -> None:
    """The relations that hold the snapshot's rows: raw_<table> (cut and scoped) and
    raw_data_rows, plus frozen_cutoff and the scope's tables they read; TEMP (private to
    the connection) when `temp`."""
    kind = "TEMP " if temp else ""
    objectstore.attach(con, snap.uri)  # an object store's files are read through pyarrow's client
    if cutoff_at is not None:
        con.execute(
            f"CREATE OR REPLACE {kind}TABLE frozen_cutoff AS SELECT CAST($cutoff AS TIMESTAMPTZ) AS cutoff_at",
            {"cutoff": cutoff_at},
        )
    if snap.scope is not None:
        _register_scope(con, snap, temp)
    # the ledger last: a scoped ledger keeps the uploads of the scoped submissions
    for name, schema in sorted(ALL_TABLES.items(), key=lambda item: item[0] == "uploads"):
        files = snap.files.get(name, ())
        view = _quote(f"raw_{name}")
        keeps = [FROZEN_FILTERS.get(name) if cutoff_at is not None else None]
        keeps.append(scope_filter(name) if snap.scope is not None else None)
        keep = " AND ".join(f"({k})" for k in keeps if k)
        if files:
            source = _read_files(files)
            if paths_in_variables:
                variable = f"raw_files_{name}"  # allow-listed: the store's own table names
                con.execute(f"SET VARIABLE {variable} = $files", {"files": list(files)})
                source = f"read_parquet(getvariable({sql.literal(variable)}), union_by_name = true)"
            con.execute(
                f"CREATE OR REPLACE {kind}VIEW {view} AS "  # noqa: S608 (allow-listed identifiers)
                f"SELECT * FROM {source}" + (f" WHERE {keep}" if keep else "")
            )
        else:
            con.execute(f"CREATE OR REPLACE {kind}VIEW {view} AS {_empty_select(schema)}")
    # Every data table's rows in one relation, for the ledger and integrity queries: the
    # list of data tables is the contract's, so it is written here once, not in each query.
    # row_hash is a 64-bit hash of the whole stored row (upload_id and source_row included).
    parts = [
        f"SELECT {sql.literal(t)} AS table_name, t.upload_id, hash(t) AS row_hash "  # noqa: S608
        f"FROM {_quote('raw_' + t)} AS t"  # (allow-listed identifiers: the contract's tables)
        for t in contract.TABLE_NAMES
    ]
    con.execute(f"CREATE OR REPLACE {kind}VIEW raw_data_rows AS " + " UNION ALL ".join(parts))


# ---------------------------------------------------------------- the shared catalog
#
# Defining the macros and views on a fresh DuckDB connection costs ~0.27 CPU s (DuckDB binds
# each definition as it is created): most of a small page's or a small upload's time. The
# definitions do not depend on the snapshot: they name raw_<table>, submission_validity
# and the memo tables, which DuckDB resolves when a query runs, in the querying
# connection's TEMP schema first. So each process keeps one in-memory database whose
# main schema holds every definition, over empty stand-ins for those relations, and a
# store connection is a cursor of it that creates only the snapshot's relations, as TEMP
# objects nobody else sees (~0.03 s). Whatever a connection creates later must be TEMP too
# (validate.stage's staging tables are): tests/unit/test_catalog.py checks that the
# shared schema is the same after uploads, pages and packs, and that every query answers
# the same on a cursor as on a connection of its own.

# definitions computed from the snapshot's rows: created again on each cursor (TEMP)
PER_SNAPSHOT = ("views/submission_validity",)


@dataclass
class _Catalog:
    base: duckdb.DuckDBPyConnection
    memo_tables: tuple[tuple[str, str], ...]  # (table, its column definitions): created empty on each cursor


_CATALOGS: dict[tuple[object, ...], _Catalog] = {}
_CATALOGS_LOCK = threading.Lock()


def _catalog_key(uri: str) -> tuple[object, ...]:
    # the reference tables hold the [health] settings; a fork must not share DuckDB's state
    rules = json.dumps(health_rules(), sort_keys=True, default=str)
    return (os.getpid(), rules, objectstore.filesystem_key(uri))


def _build_catalog() -> _Catalog:
    """The definitions, created over empty stand-ins of the snapshot's relations, which are
    then dropped: a query on a connection without its own (a cursor of a cursor) fails
    loudly instead of reading empty stand-ins."""
    base = sql.connect()
    before = {
        r[0] for r in base.execute("SELECT table_name FROM duckdb_tables() WHERE NOT temporary").fetchall()
    }
    _register_data(base, Snapshot("", (), {}), None, temp=False)  # empty stand-ins
    for name in DEFINITIONS:
        sql.execute_script(base, name)
    per_snapshot = {sql.query(n).text.split(sql.TABLE_DDL, 1)[1].split()[0] for n in PER_SNAPSHOT}
    memo = []
    for (table,) in base.execute(
        "SELECT table_name FROM duckdb_tables() WHERE NOT temporary ORDER BY table_name"
    ).fetchall():
        if table in before:  # the contract's reference tables: shared, never written
            continue
        if table not in per_snapshot:
            described = base.execute(f"DESCRIBE {_quote(table)}").fetchall()  # noqa: S608 (our own table)
            memo.append((table, ", ".join(f"{_quote(r[0])} {r[1]}" for r in described)))
        base.execute(f"DROP TABLE {_quote(table)}")
    for view in [f"raw_{name}" for name in ALL_TABLES] + ["raw_data_rows"]:
        base.execute(f"DROP VIEW {_quote(view)}")
    return _Catalog(base, tuple(memo))


def shared_connection(snap: Snapshot, cutoff_at: dt.datetime | None = None) -> duckdb.DuckDBPyConnection:
    """A connection over `snap` with every definition of register_snapshot: a cursor of the
    process's shared catalog, the snapshot's relations created on it as TEMP objects."""
    key = _catalog_key(snap.uri)
    with _CATALOGS_LOCK:
        catalog = _CATALOGS.get(key)
        if catalog is None:
            catalog = _CATALOGS[key] = _build_catalog()
        con = catalog.base.cursor()
    try:
        _register_data(con, snap, cutoff_at, temp=True)
        for name in PER_SNAPSHOT:
            sql.execute_script(con, name, temp=True)
        for table, columns in catalog.memo_tables:  # our own definitions' names and types
            con.execute(f"CREATE TEMP TABLE {_quote(table)} ({columns})")
    except BaseException:
        con.close()
        raise
    sql.run_directly(con)  # a further cursor would not see the TEMP relations
    return con


# Definitions over the as-of views, created on every store connection, in this order.
DERIVED = (
    "flow/flow_forecast_memo",
    "views/project_health_compute",
    "views/memo_weeks",
    "views/memo_week_guard",
    "views/projects_memo",
    "views/milestones_memo",
    "views/raid_memo",
    "views/projects_as_of_memo",
    "views/milestones_as_of_memo",
    "views/raid_as_of_memo",
    "views/key_milestone_history",
    "views/key_milestone_memo",
    "views/key_milestone_history_memo",
    "views/project_report_hashes",
    "views/project_report_hash_memo",
    "views/project_report_hashes_memo",
    "views/health_memo",
    "views/project_health_weeks",
    "views/project_health",
    "views/history_weeks",
    "capacity/capacity_period_end",
    "capacity/capacity_period",
    "capacity/capacity_segment",
    "capacity/capacity_demand_days_compute",
    "capacity/capacity_supply_days_compute",
    "views/demand_memo",
    "views/supply_memo",
    "views/demand_segment_memo",
    "views/demand_month_memo",
    "views/demand_project_memo",
    "views/capacity_demand_days",
    "views/capacity_supply_days",
    "views/capacity_demand_segments_compute",
    "views/capacity_demand_segments",
    "views/capacity_projects",
    "views/capacity_demand_months_compute",
    "views/capacity_demand_months",
    "capacity/capacity_scenario_shifts",
    "capacity/capacity_scenario_scales",
    "capacity/capacity_scenario_demand",
    "capacity/capacity_by_month",
    "capacity/capacity_scenario_segments",
    "capacity/capacity_scenario_supply",
    "flow/flow_items",
    "flow/flow_items_table",
    "flow/flow_items_memo",
    "flow/flow_facts_table",
    "flow/flow_facts_memo",
    "flow/flow_scope",
    "flow/flow_scoped_items",
)

# Every definition register_snapshot creates, in order (the as-of views first).
DEFINITIONS = (
    "views/accepted_uploads",
    "views/project_owners",
    "views/submission_validity",
    "views/current_submissions_weeks",
    "views/current_submissions",
    "views/saved_documents",
    *(f"views/{t}_as_of" for t in contract.TABLE_NAMES),
    *DERIVED,
)
