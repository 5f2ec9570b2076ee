"""The analyst's SQL explorer: read-only SQL over one store snapshot, in a locked-down DuckDB.

Every run opens its OWN in-memory DuckDB connection (never the app's shared one), defines
the store's views over the snapshot (the raw_<table> history views, the as-of macros and,
for the chosen week, the as-of views `projects`, `milestones`, ..., `project_health` and
`uploads`), then locks it (queries/explorer/lock.sql): file and network access off except
the snapshot's own Parquet files (`allowed_paths`), no extension installed or loaded on
demand, a memory and a thread limit, and the configuration locked so no query can undo it.

Defence in depth, before the engine sees the query: it must be exactly one statement and
a read (DuckDB's parser says SELECT: that covers WITH ... SELECT, FROM-first queries,
VALUES, DESCRIBE, SUMMARIZE and SHOW), and it may not name the catalogue functions that
show the server's settings and paths. Everything else is refused with a message naming
what and why.

`run` executes the query in a worker process (epmo/sandbox_worker.py) with operating-system
limits on its address space and CPU time; the parent waits at most the time limit and then
SIGKILLs it (DuckDB honours interrupt() only between chunks). The worker fetches at most
`row_cap` rows and `result_mb` of Arrow data, refuses a result that holds a server path, and
hands the rows back as Arrow IPC; it closes the query's database afterwards (and is reused
for another query only if it answered in time), so nothing a query held outlives it. Error texts are scrubbed of paths (the snapshot's files by their table name, the store
by "<store>").
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
import threading
import time
from dataclasses import dataclass
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from epmo import sql
from epmo.access import EXPLORER_RECORDS, Identity, explorer_withheld
from epmo.settings import current
from epmo.store import Snapshot, Store, register_snapshot


class ExplorerError(Exception):
    """A query the explorer did not answer; the message is for the analyst."""


class Refused(ExplorerError):
    """Not run: not a single read query, or it reached for a file, the network or a setting."""


class TimedOut(ExplorerError):
    """Interrupted by the time limit (killed: `seconds` from the query's start until its worker
    process was gone, `pid` that process)."""

    seconds: float | None = None
    pid: int | None = None


class QueryFailed(ExplorerError):
    """The engine could not answer it: a syntax error, an unknown table, the memory limit."""


class Busy(ExplorerError):
    """Not run: the server already runs its most explorer queries at once."""


_UNITS = {"": 1, "B": 1, "KB": 1000, "MB": 1000**2, "GB": 1000**3, "KIB": 2**10, "MIB": 2**20, "GIB": 2**30}


def size_bytes(text: str) -> int:
    """'1GB', '3 GiB', '512MB' as bytes (DuckDB's units: KB/MB/GB are powers of 1000)."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*", str(text))
    unit = m.group(2).upper() if m else "?"
    if not m or unit not in _UNITS:
        raise ValueError(f"not a size (e.g. 3GB): {text!r}")
    return int(float(m.group(1)) * _UNITS[unit])


@dataclass(frozen=True)
class Limits:
    time_limit_s: float
    row_cap: int
    memory_limit: str
    threads: int
    result_bytes: int = 32 * 2**20  # the Arrow result is cut when it would pass this
    address_space: int = 2500 * 1000**2  # RLIMIT_AS of the worker process
    start_limit_s: float = 30.0  # the worker must have its sandbox open within this

    @classmethod
    def from_settings(cls, **override: Any) -> Limits:
        values: dict[str, Any] = {
            "time_limit_s": float(current().explorer.time_limit_seconds),
            "row_cap": current().explorer.row_cap,
            "memory_limit": current().explorer.memory_limit,
            "threads": current().explorer.threads,
            "result_bytes": int(float(current().explorer.result_mb) * 2**20),
            "address_space": size_bytes(current().explorer.address_space_limit),
            "start_limit_s": float(current().explorer.start_limit_seconds),
        }
        values.update({k: v for k, v in override.items() if v is not None})
        limits = cls(**values)
        if (
            limits.time_limit_s <= 0
            or limits.row_cap < 1
            or limits.threads < 1
            or limits.result_bytes < 1
            or limits.start_limit_s <= 0
        ):
            raise ValueError(
                "explorer limits must be positive (time_limit_seconds, row_cap, threads, result_mb, "
                "start_limit_seconds)"
            )
        if limits.address_space < 2 * size_bytes(limits.memory_limit):
            raise ValueError(
                "explorer.address_space_limit must be at least twice memory_limit: the interpreter "
                "and its libraries take address space beyond the memory DuckDB uses"
            )
        return limits

    @property
    def cpu_seconds(self) -> int:
        """RLIMIT_CPU of the worker (a backstop: the parent kills it at the time limit first):
        the start and the query, on every thread, and a second of slack."""
        return math.ceil((self.start_limit_s + self.time_limit_s) * max(self.threads, 1)) + 1


def mb(n: int) -> str:
    """Bytes as the explorer says them: '32 MB' (MiB), '0.05 MB' (three significant digits)."""
    return f"{n / 2**20:.3g} MB"


@dataclass(frozen=True)
class Result:
    frame: pd.DataFrame
    truncated: bool  # more rows than row_cap: the frame holds the first row_cap
    row_cap: int
    seconds: float
    as_of: dt.date
    cut_bytes: bool = False  # the rows after these would pass the byte cap: not fetched
    byte_cap: int = 0

    @property
    def notice(self) -> str | None:
        """What the analyst is not shown and why (the page's warning, the CLI's stderr note)."""
        if self.cut_bytes:
            return (
                f"Result cut at {mb(self.byte_cap)} (the explorer's result size cap): the first "
                f"{len(self.frame):,} rows are shown. Leave out wide text columns, filter or aggregate."
            )
        if self.truncated:
            return (
                f"Only the first {self.row_cap:,} rows are shown (the explorer's row cap): "
                "add a LIMIT, a filter or an aggregate to see the rest."
            )
        return None


# --------------------------------------------------------------------------- statements

_READ_ONLY = "the explorer is read-only: data changes only through uploads"
# Why each statement type is refused (DuckDB's parser names the type; see check_statement).
REFUSALS: dict[str, str] = {
    "COPY": "COPY is not allowed in the explorer: it reads or writes files. "
    "Use the download buttons (or `python -m epmo sql --format csv`).",
    "EXPORT": "EXPORT is not allowed in the explorer: it writes the database to files. Use the download buttons.",
    "ATTACH": "ATTACH is not allowed in the explorer: it opens other databases or files; "
    "the explorer reads only this store's snapshot.",
    "DETACH": "DETACH is not allowed in the explorer: the explorer's databases are fixed.",
    "LOAD": "INSTALL and LOAD are not allowed in the explorer: extensions can reach files and the network.",
    "SET": "SET, RESET and USE are not allowed in the explorer: its settings (no file or network access, "
    "memory, threads, time limit) are fixed.",
    "VARIABLE_SET": "SET VARIABLE is not allowed in the explorer: its settings are fixed. "
    "Pick the week in the sidebar (or --as-of).",
    "PRAGMA": "PRAGMA is not allowed in the explorer: pragmas change settings. "
    "To list a table's columns use DESCRIBE name or SELECT * FROM pragma_table_info('name').",
    "CREATE": "CREATE is not allowed in the explorer: "
    + _READ_ONLY
    + ". Use a WITH clause for intermediate results.",
    "INSERT": "INSERT is not allowed in the explorer: " + _READ_ONLY + ".",
    "UPDATE": "UPDATE is not allowed in the explorer: " + _READ_ONLY + ".",
    "DELETE": "DELETE is not allowed in the explorer: " + _READ_ONLY + ".",
    "DROP": "DROP is not allowed in the explorer: " + _READ_ONLY + ".",
    "ALTER": "ALTER is not allowed in the explorer: " + _READ_ONLY + ".",
    "MERGE_INTO": "MERGE is not allowed in the explorer: " + _READ_ONLY + ".",
    "VACUUM": "VACUUM and ANALYZE are not allowed in the explorer: they are maintenance, not questions.",
    "CALL": "CALL is not allowed in the explorer: it runs procedures such as CHECKPOINT. "
    "Read a table function with SELECT * FROM function(...).",
    "TRANSACTION": "BEGIN, COMMIT and ROLLBACK are not needed in the explorer: "
    "every query reads one fixed snapshot.",
    "PREPARE": "PREPARE and EXECUTE are not allowed in the explorer: "
    "write $name in the query and fill the parameter inputs.",
    "EXECUTE": "PREPARE and EXECUTE are not allowed in the explorer: "
    "write $name in the query and fill the parameter inputs.",
    "EXPLAIN": "EXPLAIN is not allowed in the explorer: EXPLAIN ANALYZE runs the statement inside it, "
    "which need not be a read. Run the SELECT itself.",
    "MULTI": "This statement runs several statements (e.g. PIVOT without an IN list): "
    "write PIVOT ... ON column IN (value, ...) instead.",
}
ALLOWED = "SELECT"


# The statement is parsed in the server, before any worker (its type decides whether it runs
# at all), and DuckDB's parser recurses without a depth limit for nested subqueries: 100,000
# levels (700 KB of FROM ( ... )) ended the whole server process. Both bounds are far beyond
# any query a person writes, and far below what the parser survives (80,000 levels).
MAX_QUERY_CHARS = 100_000
MAX_NESTING = 250


def _check_shape(text: str) -> None:
    if len(text) > MAX_QUERY_CHARS:
        raise Refused(
            f"The query is {len(text):,} characters long; the explorer takes at most "
            f"{MAX_QUERY_CHARS:,}. Shorten it (a long IN list is better a join on a VALUES list)."
        )
    depth = deepest = 0
    for piece in re.findall(r"[()]", _strip_comments(text)):
        depth += 1 if piece == "(" else -1
        deepest = max(deepest, depth)
    if deepest > MAX_NESTING:
        raise Refused(
            f"The query nests {deepest:,} levels of brackets; the explorer takes at most "
            f"{MAX_NESTING}. Write the subqueries as WITH clauses one after another."
        )


def statement_kind(text: str) -> str:
    """The single statement's type (e.g. 'SELECT'); raises Refused/QueryFailed otherwise."""
    _check_shape(text)
    parser = duckdb.connect(":memory:")
    try:
        statements = parser.extract_statements(text)
    except duckdb.Error as exc:
        raise QueryFailed(f"Syntax error: {_engine_message(exc)}") from None
    finally:
        parser.close()
    if not statements:
        raise Refused("Write a query first: the text holds no SQL statement.")
    kinds = [s.type.name for s in statements]
    if len(statements) > 1:
        raise Refused(
            f"One statement at a time: found {len(statements)} ({', '.join(kinds)}). "
            "Remove the extra ';' statements."
        )
    kind = kinds[0]
    lead = _strip_comments(text).lstrip().upper()
    if kind == "SET" and re.match(r"SET\s+VARIABLE\b", lead):
        kind = "VARIABLE_SET"
    elif kind == "SET" and lead.startswith("PRAGMA"):  # PRAGMA name = value parses as SET
        kind = "PRAGMA"
    if kind != ALLOWED:
        raise Refused(
            REFUSALS.get(
                kind,
                f"{kind} statements are not allowed in the explorer: only SELECT queries "
                "(with WITH, FROM-first, VALUES, DESCRIBE, SUMMARIZE, SHOW) run here.",
            )
        )
    _check_names(text)
    return kind


# Catalogue functions and views that show the server's settings or file paths, and the
# functions that run SQL made from a string (which would get round this list: query,
# query_table, json_execute_serialized_sql). Refused by name for a clear message. The raw
# views read their file lists from session variables (store.register_snapshot), so no view
# definition names a file; the worker also refuses any result that holds a server path.
HIDDEN = (
    "current_setting",
    "duckdb_settings",
    "duckdb_extensions",
    "duckdb_temporary_files",
    "duckdb_external_file_cache",
    "duckdb_log_contexts",
    "duckdb_logs",
    "which_secret",
    "pragma_database_list",
    "pragma_show_databases",
    "view_definition",
    "getvariable",
    "duckdb_variables",
    "json_execute_serialized_sql",
    "pg_settings",
    "duckdb_profiling_settings",
    "duckdb_logs_parsed",
    # SQL in a string, bound (or constant-folded) by these: a refused name inside it came
    # back in the plan's JSON (json_serialize_plan('SELECT getvariable(...)'))
    "json_serialize_plan",
    "json_serialize_sql",
    "json_deserialize_sql",
)
# names refused only when called: "query" is also a fair column name
CALLED = ("query", "query_table")
_HIDDEN_RE = re.compile(
    r"(?<![A-Za-z0-9_])(?:(" + "|".join(HIDDEN) + r")(?![A-Za-z0-9_])"
    r"|\"?(" + "|".join(CALLED) + r")\"?\s*\()",
    re.IGNORECASE,
)


def _check_names(text: str) -> None:
    m = _HIDDEN_RE.search(_strip_comments(text))
    if m and m.group(2):
        raise Refused(
            f"{m.group(2).lower()}() is not available in the explorer: it runs SQL made from a "
            "string. Write the query itself; the schema (Tables, views and macros) lists what you can read."
        )
    if m:
        name = m.group(1).lower()
        raise Refused(
            f"{name} is not available in the explorer: it shows the server's settings, file paths "
            "or view definitions. The schema (Tables, views and macros) lists every table, view and "
            "column you can read; the explorer's limits are in docs/explorer.md."
        )


def statement_text(text: str) -> str:
    """The statement without a trailing ';' and what follows it (comments): DuckDB's relation
    API wraps the text (LIMIT), and 'SELECT 1; -- note' would not parse there."""
    data = text.encode("utf-8")  # DuckDB's tokenizer gives byte offsets of the UTF-8 text
    tokens = duckdb.tokenize(text)
    code = [(offset, kind) for offset, kind in tokens if kind != duckdb.token_type.comment]
    if code and code[-1][1] == duckdb.token_type.operator and data[code[-1][0] : code[-1][0] + 1] == b";":
        return data[: code[-1][0]].decode("utf-8")
    return text


def _strip_comments(text: str) -> str:
    """The statement as DuckDB reads it, without its comments and with every string literal
    emptied (''), so a name inside a string ('query(') is not taken for a call, and a '--'
    inside a string does not hide the rest of the line from the name check (DuckDB's own
    tokenizer, not a regular expression, says where comments and strings are)."""
    try:
        tokens = duckdb.tokenize(text)
    except Exception:  # noqa: BLE001 - not tokenizable: the whole text is checked, DuckDB will say why
        return text
    data = text.encode("utf-8")  # the offsets are bytes of the UTF-8 text, not characters
    out = []
    for k, (offset, kind) in enumerate(tokens):
        end = tokens[k + 1][0] if k + 1 < len(tokens) else len(data)
        if kind == duckdb.token_type.comment:
            out.append(" ")
        elif kind == duckdb.token_type.string_const:
            out.append("'' ")
        else:
            out.append(data[offset:end].decode("utf-8", errors="replace"))
    return "".join(out)


def _engine_message(exc: BaseException) -> str:
    return " ".join(str(exc).split())


_ABSOLUTE_PATH = re.compile(r"(?<![\w.:/~>-])(?:[A-Za-z][\w+.-]*://[^\s'\"]+|/[\w.~-]+(?:/[\w.~-]*)+)")


def scrub(text: str, snapshot: Snapshot | None = None) -> str:
    """An error text without server paths: the snapshot's files become their table's name
    (raw_projects), the store "<store>", any other absolute path "<path>"."""
    if snapshot is not None:
        for table, files in snapshot.files.items():
            for f in sorted(files, key=len, reverse=True):
                text = text.replace(f, f"raw_{table}")
        for root in sorted(_store_roots(snapshot), key=len, reverse=True):
            text = text.replace(root, "<store>")
    return _ABSOLUTE_PATH.sub("<path>", text)


def _store_roots(snapshot: Snapshot) -> set[str]:
    """Every spelling of the store's location a query or an error could show."""
    roots = {snapshot.uri}
    if "://" not in snapshot.uri:
        roots |= {os.path.abspath(snapshot.uri), os.path.realpath(snapshot.uri)}
    for files in snapshot.files.values():
        for f in files[:1]:
            roots.add(os.path.dirname(os.path.dirname(f)))
    return {r for r in roots if len(r) >= 4}


def server_paths(snapshot: Snapshot) -> list[str]:
    """Strings a result may not contain: the store's location and the server's home."""
    home = os.path.expanduser("~")
    return sorted(_store_roots(snapshot) | ({home} if len(home) >= 4 else set()))


def _translate(exc: duckdb.Error, limits: Limits) -> ExplorerError:
    """DuckDB's error as the analyst's message (never a traceback)."""
    text = _engine_message(exc)
    if isinstance(exc, duckdb.PermissionException):
        return Refused(
            "File, network and extension access is disabled in the explorer: it reads only the "
            f"store's tables and views (see the schema). DuckDB said: {text}"
        )
    if "configuration has been locked" in text:
        return Refused(f"Settings cannot be changed in the explorer. DuckDB said: {text}")
    if isinstance(exc, duckdb.OutOfMemoryException):
        # DuckDB's own advice (SET threads, SET memory_limit, a temp_directory) is what the
        # explorer refuses: left out
        text = re.split(r"\s*(?:Possible solutions|See also https)", text, maxsplit=1)[0]
        return QueryFailed(
            f"The query needs more than the explorer's memory limit ({limits.memory_limit}): "
            f"aggregate or filter first. DuckDB said: {text}"
        )
    if isinstance(exc, duckdb.ParserException):
        return QueryFailed(f"Syntax error: {text}")
    if isinstance(exc, duckdb.CatalogException):
        return QueryFailed(f"{text} (the schema lists every table, view and macro you can read)")
    return QueryFailed(text)


# --------------------------------------------------------------------------- the connection


def connect(
    snapshot: Snapshot,
    as_of: dt.date,
    limits: Limits,
    base: duckdb.DuckDBPyConnection | None = None,
    withheld: frozenset[str] = frozenset(),
    text: str = "",
) -> duckdb.DuckDBPyConnection:
    """A locked-down connection over the snapshot, its as-of views showing `as_of`; `base` is a
    fresh `sql.connect()` made beforehand with the same limits (a warm worker's). The rows of
    the `withheld` tables (access.explorer_withheld) are replaced by what
    queries/explorer/withheld_<table>.sql keeps, and their files are not readable. `text`:
    the query to be run, which decides which weeks' agile forecasts are computed."""
    con = base or sql.connect(threads=limits.threads, memory_limit=limits.memory_limit)
    try:
        register_snapshot(con, snapshot, paths_in_variables=True)
        _run_statements(con, "explorer/set_week", as_of=as_of)
        sql.execute_script(con, "explorer/as_of_views")
        _prepare_forecasts(con, as_of, text)
        for name in sorted(withheld):
            if name not in EXPLORER_RECORDS:  # allow-listed: a query file per table
                raise ValueError(f"no withheld view of {name!r}")
            sql.execute_script(con, f"explorer/withheld_{name}")
            con.execute(f"CREATE OR REPLACE VIEW raw_{name} AS SELECT * FROM withheld_{name}")  # noqa: S608 (allow-listed)
        files = sorted(
            {f for table, table_files in snapshot.files.items() if table not in withheld for f in table_files}
        )
        if snapshot.scope is not None:
            # A portfolio-scoped explorer reads no file at all: each raw view's scoped rows
            # are copied into the database first, so no query can read a file's other rows.
            _materialise_raw(con)
            files = []
        _run_statements(
            con,
            "explorer/lock",
            allowed_paths=files,
            memory_limit=limits.memory_limit,
            threads=limits.threads,
        )
    except BaseException:
        con.close()
        raise
    return con


def _materialise_raw(con: duckdb.DuckDBPyConnection) -> None:
    from epmo.store import ALL_TABLES, _quote

    for name in ALL_TABLES:  # allow-listed: the store's own table names
        raw, copy = _quote(f"raw_{name}"), _quote(f"scoped_{name}")
        con.execute(f"CREATE OR REPLACE TABLE {copy} AS SELECT * FROM {raw}")  # noqa: S608 (allow-listed)
        con.execute(f"CREATE OR REPLACE VIEW {raw} AS SELECT * FROM {copy}")  # noqa: S608 (allow-listed)


def _prepare_forecasts(con: duckdb.DuckDBPyConnection, as_of: dt.date, text: str = "") -> None:
    """The agile RAG reads the work-item forecasts (numpy, epmo/flow.py), which a query
    cannot compute, so they are computed before the connection is locked: those of the
    backlogs in force on the chosen week and the week before; and, for a query that calls
    a macro reading them for any week (project_health(...), project_health_weeks(...)) or
    reads the memo itself, those of every report date of the store (without them, another
    week's agile projects had no forecast and their RAG differed from the page's). The
    chosen week's own views (project_health) need only the first."""
    from epmo.flow import prepare_forecasts

    weeks = [as_of, as_of - dt.timedelta(weeks=1)]
    code = _strip_comments(text).lower()
    calls, relations = _forecast_readers(con)
    words = set(re.findall(r"[a-z_][a-z0-9_]*", code))
    called = set(re.findall(r"([a-z_][a-z0-9_]*)\s*\(", code))
    if called & calls or words & relations:
        weeks += [r[0] for r in con.execute(sql.query("explorer/forecast_weeks").text).fetchall()]
    prepare_forecasts(con, sorted(set(weeks)))


_READERS: list[tuple[frozenset[str], frozenset[str]]] = []  # the catalog is the same for every snapshot


def _forecast_readers(con: duckdb.DuckDBPyConnection) -> tuple[frozenset[str], frozenset[str]]:
    """The macros, and the relations other than the chosen week's own views, that read
    flow_forecast_memo, directly or through another."""
    if not _READERS:
        words: dict[str, set[str]] = {}
        kinds: dict[str, set[str]] = {}
        chosen_week: set[str] = set()
        for name, kind, definition in con.execute(sql.query("explorer/definitions").text).fetchall():
            text = (definition or "").lower()
            words.setdefault(name, set()).update(re.findall(r"[a-z_][a-z0-9_]*", text))
            kinds.setdefault(name, set()).add(kind)
            if kind == "view" and "getvariable('explorer_as_of')" in text:
                chosen_week.add(name)  # the explorer's views of the chosen week (as_of_views.sql)
        reach = {"flow_forecast_memo"}
        while True:
            more = {n for n, w in words.items() if n not in reach and w & reach}
            if not more:
                break
            reach |= more
        calls = frozenset(n for n in reach if "macro" in kinds.get(n, set()))
        relations = frozenset(n for n in reach if "view" in kinds.get(n, set()) and n not in chosen_week)
        _READERS.append((calls, relations | {"flow_forecast_memo"}))
    return _READERS[0]


def _run_statements(con: duckdb.DuckDBPyConnection, name: str, **params: Any) -> None:
    """A settings script of queries/, statement by statement, each with its bound parameters."""
    for statement in con.extract_statements(sql.query(name).text):
        wanted = {k: params[k] for k in statement.named_parameters}
        con.execute(statement, wanted)


# --------------------------------------------------------------------------- running


def run(
    snapshot: Snapshot,
    text: str,
    as_of: dt.date,
    params: dict[str, Any] | None = None,
    limits: Limits | None = None,
    identity: Identity | None = None,
) -> Result:
    """Run one read query in a fresh sandbox in a worker process (OS limits, killed at the time
    limit); raises ExplorerError with the analyst's message. `identity`: who asks (the store's
    own records it may not act on are withheld: access.explorer_withheld); None for a
    trusted caller."""
    from epmo import sandbox_worker

    limits = limits or Limits.from_settings()
    bound = _bound(text, params)  # refuse before paying for a worker
    reply = sandbox_worker.run(snapshot, text, as_of, bound, limits, explorer_withheld(identity))
    return Result(
        _frame(reply.table),
        reply.cut_rows,
        limits.row_cap,
        reply.seconds,
        as_of,
        reply.cut_bytes,
        limits.result_bytes,
    )


def _bound(text: str, params: dict[str, Any] | None) -> dict[str, Any]:
    """Check the statement; the parameters it binds (raises when one is missing)."""
    statement_kind(text)
    wanted = query_params(text)
    given = params or {}
    missing = [p for p in wanted if p not in given]
    if missing:
        raise QueryFailed(f"Fill in the parameter(s) {', '.join('$' + m for m in missing)}.")
    return {k: given[k] for k in wanted}


def execute(
    con: duckdb.DuckDBPyConnection,
    text: str,
    as_of: dt.date,
    params: dict[str, Any] | None,
    limits: Limits,
) -> Result:
    """One read query on a sandbox connection (from `connect`), in this process, under the row
    and byte caps, interrupted after the time limit (which DuckDB honours between chunks only:
    `run` puts a worker process around this)."""
    fetched = fetch(con, text, params, limits)
    return Result(
        _frame(fetched.table),
        fetched.cut_rows,
        limits.row_cap,
        fetched.seconds,
        as_of,
        fetched.cut_bytes,
        limits.result_bytes,
    )


@dataclass(frozen=True)
class Fetched:
    table: pa.Table
    cut_rows: bool  # more rows than row_cap
    cut_bytes: bool  # the next row would have passed result_bytes
    seconds: float


BATCH_ROWS = 1024  # rows per Arrow batch fetched from DuckDB (the byte cap is checked per batch)


def fetch(
    con: duckdb.DuckDBPyConnection, text: str, params: dict[str, Any] | None, limits: Limits
) -> Fetched:
    """The query's rows as Arrow, batch by batch: at most row_cap rows and result_bytes bytes
    (the last batch is cut to the row that still fits); raises ExplorerError."""
    bound = _bound(text, params)
    stopped = threading.Event()

    def stop() -> None:
        stopped.set()
        con.interrupt()

    timer = threading.Timer(limits.time_limit_s, stop)
    timer.daemon = True
    started = time.perf_counter()
    timer.start()
    batches: list[pa.RecordBatch] = []
    rows = size = 0
    cut_bytes = False
    try:
        relation = con.sql(statement_text(text), params=bound or None)
        if relation is None:  # a SELECT always has a relation; belt and braces
            raise Refused("Only queries that return rows run in the explorer.")
        reader = relation.limit(limits.row_cap + 1).to_arrow_reader(BATCH_ROWS)
        schema = reader.schema
        for batch in reader:
            if size + batch.nbytes > limits.result_bytes:
                keep = _rows_within(batch, limits.result_bytes - size)
                batches.append(batch.slice(0, keep))
                rows += keep
                cut_bytes = True
                break
            batches.append(batch)
            rows += batch.num_rows
            size += batch.nbytes
            if rows > limits.row_cap:
                break
    except duckdb.Error as exc:
        if stopped.is_set() or isinstance(exc, duckdb.InterruptException):
            raise TimedOut(timeout_message(limits)) from None
        raise _translate(exc, limits) from None
    except (pa.ArrowException, OSError) as exc:  # DuckDB's errors while streaming Arrow batches
        text = _engine_message(exc)
        if stopped.is_set() or "interrupt" in text.lower():
            raise TimedOut(timeout_message(limits)) from None
        if "out of memory" in text.lower():
            raise QueryFailed(
                f"The query needs more than the explorer's memory limits ({limits.memory_limit}, "
                f"address space {limits.address_space / 1000**3:g} GB): aggregate or filter first."
            ) from None
        raise QueryFailed(text) from None
    finally:
        timer.cancel()
    seconds = time.perf_counter() - started
    table = pa.Table.from_batches(batches, schema=schema)
    cut_rows = not cut_bytes and table.num_rows > limits.row_cap
    if table.num_rows > limits.row_cap:
        table = table.slice(0, limits.row_cap)
    return Fetched(table, cut_rows, cut_bytes, seconds)


def _rows_within(batch: pa.RecordBatch, budget: int) -> int:
    """The most leading rows of the batch whose Arrow bytes fit the budget (binary search)."""
    lo, hi = 0, batch.num_rows
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if batch.slice(0, mid).nbytes <= budget:
            lo = mid
        else:
            hi = mid - 1
    return lo


def timeout_message(limits: Limits) -> str:
    return (
        f"Stopped after {limits.time_limit_s:g} s, the explorer's time limit: "
        "filter or aggregate earlier, or avoid joins without a condition."
    )


def holds_path(table: pa.Table, needles: list[str]) -> bool:
    """Whether any text in the result (nested lists and structs included) contains a needle."""
    import pyarrow.compute as pc

    def texts(array: pa.Array) -> list[pa.Array]:
        t = array.type
        if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
            return [array]
        if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t):
            return texts(array.flatten())
        if pa.types.is_struct(t):
            return [a for i in range(t.num_fields) for a in texts(array.field(i))]
        if pa.types.is_map(t):
            return texts(array.keys) + texts(array.items)
        if pa.types.is_dictionary(t):
            return texts(array.dictionary)
        if pa.types.is_union(t):
            return [a for i in range(t.num_fields) for a in texts(array.field(i))]
        return []

    for column in table.columns:
        for chunk in column.chunks:
            for strings in texts(chunk):
                for needle in needles:
                    if pc.any(pc.match_substring(strings, needle)).as_py():
                        return True
    return False


def _frame(table: pa.Table) -> pd.DataFrame:
    """The result as pandas, names made unique (a, a_2); types pandas cannot hold are named."""
    seen: dict[str, int] = {}
    names = []
    for name in table.column_names:
        seen[name] = seen.get(name, 0) + 1
        names.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
    table = table.rename_columns(names)
    try:
        return table.to_pandas()
    except (pa.ArrowException, ValueError, OverflowError) as exc:
        raise QueryFailed(
            f"The result cannot be shown as a table ({' '.join(str(exc).split())}): cast the column "
            "to text, e.g. my_column::VARCHAR."
        ) from None


def prewarm() -> None:
    """Start the warm worker processes (epmo.sandbox_worker) if they are not running yet."""
    from epmo import sandbox_worker

    sandbox_worker.prewarm()


def run_store(store: Store, text: str, as_of: dt.date, **kwargs: Any) -> Result:
    """`run` over the store's current snapshot (the command line)."""
    if not store.exists():
        raise QueryFailed(f"no store at {store.uri} (load data with `ingest` or `demo` first)")
    return run(store.snapshot(), text, as_of, **kwargs)


def _trusted(snapshot: Snapshot, as_of: dt.date, name: str, identity: Identity | None) -> pd.DataFrame:
    """One of the explorer's own queries, run in the same locked sandbox `identity` gets."""
    limits = Limits.from_settings()
    con = connect(snapshot, as_of, limits, withheld=explorer_withheld(identity))
    try:
        return sql.df(con, name)
    finally:
        con.close()


def schema(snapshot: Snapshot, as_of: dt.date, identity: Identity | None = None) -> pd.DataFrame:
    """Every table and view a query can read, with its columns and types (the page's help)."""
    return _trusted(snapshot, as_of, "explorer/schema", identity)


def table_macros(snapshot: Snapshot, as_of: dt.date, identity: Identity | None = None) -> pd.DataFrame:
    """The table macros a query can call (e.g. projects_as_of(as_of)) and their parameters."""
    return _trusted(snapshot, as_of, "explorer/table_macros", identity)


# --------------------------------------------------------------------------- the query library

# Folders whose queries read an upload's staging tables (cells, stg_*, typed_*), which only
# exist while a file is validated: listed for reading, not runnable over the store.
STAGING_FOLDERS = ("checks", "ingest")
_LIST_USE = r"(?:len|unnest|list_\w+|array_\w+)\s*\(\s*\${name}\b|\${name}\s*\["
# Parameter names that are lists although no list function touches them in the query text
# (they are passed on to macros): plural names are lists (the filters, the what-if lists),
# except these, and change_from is a list of dates.
_NOT_LISTS = {"days", "previous", "window_days"}
_LIST_NAMES = {"change_from"}
_DATE_NAMES = {"as_of", "since", "previous", "previous_as_of", "horizon_end", "period_start", "change_from"}


@dataclass(frozen=True)
class LibraryQuery:
    name: str  # queries/<name>.sql
    folder: str
    grain: str
    params_doc: str
    description: str
    params: tuple[str, ...]
    # "query" (runs here), "definition" (a view, macro or setting: loaded already), "staging"
    # (reads an upload's staging tables), "files" (reads files named by a parameter)
    kind: str

    @property
    def runnable(self) -> bool:
        return self.kind == "query"

    @property
    def text(self) -> str:
        return sql.query(self.name).text

    def note(self) -> str:
        if self.kind == "definition":
            return "A definition (CREATE or SET): already loaded in the explorer; shown for reading."
        if self.kind == "staging":
            return (
                "Reads an upload's staging tables (cells, stg_*), which exist only while a file "
                "is validated: shown for reading."
            )
        if self.kind == "files":
            return "Reads files named by a parameter, and the explorer reads no files: shown for reading."
        if self.kind == "table":
            return (
                "Reads a store table named by a parameter (used by `python -m epmo repair` on "
                "the raw tables): shown for reading."
            )
        return ""


def library() -> list[LibraryQuery]:
    """Every file in queries/ with its header documentation, parameters and whether it runs here."""
    out = []
    parser = duckdb.connect(":memory:")
    try:
        for path in sorted(sql.QUERIES_DIR.glob("*/*.sql")):
            name = f"{path.parent.name}/{path.stem}"
            q = sql.query(name)
            try:
                kinds = {s.type.name for s in parser.extract_statements(q.text)}
            except duckdb.Error:
                kinds = {"?"}
            if kinds != {ALLOWED}:
                kind = "definition"
            elif path.parent.name in STAGING_FOLDERS:
                kind = "staging"
            elif re.search(r"read_\w+\s*\(\s*\$", q.text):
                kind = "files"
            elif re.search(r"query_table\s*\(\s*\$", q.text):
                kind = "table"
            else:
                kind = "query"
            fields, description = header(q.text)
            out.append(
                LibraryQuery(
                    name=name,
                    folder=path.parent.name,
                    grain=fields.get("grain", fields.get("view", fields.get("macro", ""))),
                    params_doc=fields.get("params", ""),
                    description=description,
                    params=tuple(q.params),
                    kind=kind,
                )
            )
    finally:
        parser.close()
    return out


_FIELD = re.compile(r"^--\s*([a-z_]+):\s*(.*)$")


def header(text: str) -> tuple[dict[str, str], str]:
    """A query file's header comments: the `-- key: value` fields (a field goes on over the
    next lines while they start in lower case, with $ or a bracket) and the free description."""
    fields: dict[str, str] = {}
    notes: list[str] = []
    current: str | None = None
    for line in text.splitlines():
        if not line.startswith("--"):
            break
        m = _FIELD.match(line)
        body = line[2:].strip()
        if m:
            current = m.group(1)
            fields[current] = m.group(2).strip()
        elif current and body and (body[0].islower() or body[0] in "$(["):
            fields[current] += " " + body
        else:
            current = None
            if body:
                notes.append(body)
    return fields, " ".join(notes)


def param_kind(text: str, name: str) -> str:
    """'list', 'date' or 'value': how an input for $name is parsed, from how the query uses it."""
    plural = name.endswith("s") and name not in _NOT_LISTS
    if plural or name in _LIST_NAMES or re.search(_LIST_USE.replace("{name}", re.escape(name)), text):
        return "list"
    if (
        name in _DATE_NAMES
        or name.endswith("_date")
        or re.search(rf"CAST\(\s*\${re.escape(name)}\s+AS\s+DATE\s*\)", text, re.IGNORECASE)
    ):
        return "date"
    return "value"


def _scalar(text: str) -> Any:
    value = text.strip()
    if re.fullmatch(r"[+-]?\d+", value):
        return int(value)
    if re.fullmatch(r"[+-]?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?", value):
        return float(value)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"not a date: {value!r}") from None
    if value.lower() in ("true", "false"):
        return value.lower() == "true"
    if value.lower() in ("", "null"):
        return None
    return value


def parse_param(kind: str, text: str, name: str = "") -> Any:
    """An input's text as a parameter value: lists split on commas (blank = empty list),
    dates as YYYY-MM-DD (required; null for none), numbers as numbers, true/false, blank or
    null as NULL."""
    label = f"${name}: " if name else ""
    if kind == "list":
        items = [p for p in (t.strip() for t in text.strip().strip("[]").split(",")) if p]
        try:
            return [_scalar(p.strip("'\"")) for p in items]
        except ValueError as exc:
            raise QueryFailed(f"{label}{exc}") from None
    if kind == "date":
        value = text.strip()
        if not value:
            raise QueryFailed(f"{label}fill in a date (YYYY-MM-DD), or null for none.")
        if value.lower() == "null":
            return None
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise QueryFailed(f"{label}not a date (use YYYY-MM-DD): {value!r}") from None
    try:
        return _scalar(text)
    except ValueError as exc:
        raise QueryFailed(f"{label}{exc}") from None


def param_defaults(
    names: list[str] | tuple[str, ...],
    as_of: dt.date,
    portfolios: list[str] | None = None,
    programmes: list[str] | None = None,
) -> dict[str, str]:
    """Sensible input texts for a query's parameters: the picked week, the week before, the
    sidebar's filters, the pages' own defaults (the capacity horizon, Home's five movers), so
    a page's "Show SQL" run here gives the page's rows; blank when there is none."""
    from epmo import capacity

    known = {
        "as_of": as_of.isoformat(),
        "since": (as_of - dt.timedelta(weeks=1)).isoformat(),
        "previous": (as_of - dt.timedelta(weeks=1)).isoformat(),
        "previous_as_of": (as_of - dt.timedelta(weeks=1)).isoformat(),
        "horizon_end": capacity.horizon_end(as_of).isoformat(),  # the Capacity pages' horizon
        "period_start": as_of.replace(day=1).isoformat(),
        "portfolios": ", ".join(portfolios or []),
        "programmes": ", ".join(programmes or []),
        "level": "portfolio",
        "grain": "month",
        "by": "role",
        "demand": "all",
        "top_n": str(current().capacity.top_projects),
        "limit": "5",  # Home's five biggest movers
        "fte_hours_per_week": str(current().capacity.fte_hours_per_week),
        "band_limits": ", ".join(str(x) for x in current().capacity.band_limits_pct),
        "band_names": ", ".join(current().capacity.band_names),
        "no_capacity_band": current().capacity.no_capacity_band,
        "excluded_stages": ", ".join(current().priority.excluded_stages),
        "current_stages": ", ".join(current().priority.current_stages),
        "window_days": str(current().flow.window_days),
    }
    return {n: known.get(n, "") for n in names}


def query_params(text: str) -> list[str]:
    """The $names a query text binds (comments ignored), sorted."""
    return sorted(set(re.findall(r"\$([A-Za-z_][A-Za-z0-9_]*)", _strip_comments(text))))
