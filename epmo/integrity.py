"""The store's invariants (`python -m epmo check`) and the repair of a damaged store
(`python -m epmo repair`).

Invariants, one query each in queries/integrity/ (each returns the failing rows, with a
`problem` column in words), plus the Delta logs being readable:
- every upload id is in the ledger once per event;
- every accepted, non-retracted upload has exactly the rows its ledger row counts;
- no row of a live upload is stored twice; no submission or saved document twice.

Repair rewrites each damaged table from its distinct rows (the ledger: one row per upload
and event, the earliest), under the maintenance lease, as one Delta overwrite of exactly
the files it read: an upload appended meanwhile is kept (verified: the overwrite removes
only the files of the version it read). See docs/store.md.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import duckdb
import pyarrow as pa
from deltalake import DeltaTable, write_deltalake
from deltalake.exceptions import DeltaError, TableNotFoundError

from epmo import objectstore, sql
from epmo.maintenance import LEASE_TABLE, Lease, LeaseLost
from epmo.store import ALL_TABLES, NO_HOOKS, OPTIONAL_TABLES, Store, now_utc

SHOWN_PER_CHECK = 10


@dataclass
class Finding:
    check: str  # query name (integrity/...) or "delta_log"
    problems: list[str]
    count: int

    def text(self) -> str:
        lines = [f"FAIL {self.check}: {self.count} problem(s)"]
        lines += [f"  - {p}" for p in self.problems[:SHOWN_PER_CHECK]]
        if self.count > SHOWN_PER_CHECK:
            lines.append(f"  ... and {self.count - SHOWN_PER_CHECK} more")
        return "\n".join(lines)


@dataclass
class CheckResult:
    findings: list[Finding] = field(default_factory=list)
    passed: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings

    def text(self) -> str:
        lines = [f"ok   {name}" for name in self.passed] + [f.text() for f in self.findings]
        lines.append("store invariants hold" if self.ok else f"{len(self.findings)} invariant(s) fail")
        return "\n".join(lines)


def check_logs(store: Store) -> list[str]:
    """Every table's Delta log loads and lists its files; on a local disk every listed
    file exists (on an object store, every listed object). Returns the problems in words."""
    problems = []
    for name in [*ALL_TABLES, LEASE_TABLE]:
        uri = f"{store.uri}/{name}"
        try:
            dtable = DeltaTable(uri, storage_options=store.storage_options)
            files = dtable.file_uris()
        except TableNotFoundError:
            # the lease table appears with the first maintenance, the access list and the
            # audit trail with their first write (stores made before they existed)
            if name != LEASE_TABLE and name not in OPTIONAL_TABLES:
                problems.append(f"{name}: no Delta table at {uri}")
            continue
        except (DeltaError, OSError, ValueError) as exc:
            problems.append(f"{name}: the Delta log cannot be read: {exc}")
            continue
        if store.is_local:
            missing = [f for f in files if not os.path.exists(f.removeprefix("file://"))]
        else:
            missing = objectstore.files_missing(store.uri, list(files))
        if missing:
            problems += [f"{name}: the log lists a data file that is missing: {f}" for f in missing]
    return problems


def check_connection(con: duckdb.DuckDBPyConnection) -> CheckResult:
    """Run every query of queries/integrity/ on a store connection."""
    result = CheckResult()
    for name in sql.names("integrity"):
        rows = sql.arrow(con, name).to_pylist()
        if rows:
            result.findings.append(Finding(name, [str(r["problem"]) for r in rows], len(rows)))
        else:
            result.passed.append(name)
    return result


def check(store: Store) -> CheckResult:
    """Every invariant of the store (see the module docstring)."""
    log_problems = check_logs(store)
    if log_problems:
        return CheckResult([Finding("delta_log", log_problems, len(log_problems))])
    try:
        con = store.connect()
    except (duckdb.Error, DeltaError, OSError) as exc:
        return CheckResult([Finding("delta_log", [f"the store cannot be opened: {exc}"], 1)])
    try:
        result = check_connection(con)
    except duckdb.Error as exc:
        return CheckResult([Finding("data_files", [f"the data files cannot be read: {exc}"], 1)])
    finally:
        con.close()
    result.passed.insert(0, "delta_log")
    return result


# ---------------------------------------------------------------------------------- repair


@dataclass
class TableRepair:
    name: str
    rows: int
    kept: int
    files: int

    def text(self, done: bool) -> str:
        verb = "rewrote" if done else "would rewrite"
        return (
            f"{verb} {self.name}: {self.rows:,} rows in {self.files} files -> {self.kept:,} "
            f"({self.rows - self.kept:,} duplicate rows dropped)"
        )


@dataclass
class RepairResult:
    dry_run: bool
    tables: list[TableRepair] = field(default_factory=list)
    refused: str = ""  # why nothing (more) was done: the lease is held elsewhere, or lost
    done: int = 0  # tables rewritten
    audit: str = ""

    def text(self) -> str:
        lines = [t.text(done=not self.dry_run and i < self.done) for i, t in enumerate(self.tables)]
        if self.refused:
            lines.append(f"repair not done: {self.refused}")
        elif not self.tables:
            lines.append("nothing to repair: no table holds a row twice")
        if self.audit:
            lines.append(self.audit)
        return "\n".join(lines)


def _plan(store: Store) -> tuple[list[TableRepair], dict[str, pa.Table], dict[str, DeltaTable]]:
    """Which tables hold repeated rows, their distinct rows, and the loaded table each
    was read from (the overwrite replaces exactly those files)."""
    snap = store.snapshot(fresh=True)
    loaded = {n: store._tables[n] for n in ALL_TABLES if n in store._tables}
    con = store.connect(snap)
    plans: list[TableRepair] = []
    rewrites: dict[str, pa.Table] = {}
    try:
        for name, schema in ALL_TABLES.items():
            if name not in loaded or not snap.files.get(name):
                continue
            raw = sql.ident(f"raw_{name}").strip('"')  # allow-listed
            n_rows = int(sql.arrow(con, "repair/row_count", raw_table=raw)[0][0].as_py())
            query = "repair/ledger_once" if name == "uploads" else "repair/distinct_rows"
            params = {} if name == "uploads" else {"raw_table": raw}
            kept = sql.arrow(con, query, **params)
            if kept.num_rows == n_rows:
                continue
            plans.append(TableRepair(name, n_rows, kept.num_rows, len(snap.files[name])))
            rewrites[name] = kept.select(schema.names).cast(schema)
    finally:
        con.close()
    return plans, rewrites, loaded


def repair(store: Store, dry_run: bool = False, who: str = "") -> RepairResult:
    """Rewrite every table that holds a row twice from its distinct rows (see the module
    docstring). A dry run reports and changes nothing."""
    result = RepairResult(dry_run)
    if dry_run:
        result.tables, _rewrites, _loaded = _plan(store)
        return result
    lease = Lease(store)
    if not lease.try_take():
        result.refused = f"the maintenance lease is held by {lease.state().describe()}; try again later"
        return result
    try:
        result.tables, rewrites, loaded = _plan(store)
        for plan in result.tables:
            lease.fence()
            with store.writing():
                write_deltalake(
                    loaded[plan.name],
                    rewrites[plan.name],
                    mode="overwrite",
                    storage_options=store.storage_options,
                    post_commithook_properties=NO_HOOKS,
                )
            result.done += 1
    except LeaseLost as exc:
        result.refused = f"stopped: {exc}"
    finally:
        lease.release()
    dropped = sum(t.rows - t.kept for t in result.tables[: result.done])
    result.audit = (
        f"audit: repair at {now_utc():%Y-%m-%dT%H:%M:%SZ} by {who or lease.holder} on {store.uri}: "
        f"{result.done} table(s) rewritten, {dropped:,} duplicate rows dropped"
    )
    return result
