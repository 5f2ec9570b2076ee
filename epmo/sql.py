"""Named queries: found by name in `queries/`, run with bound parameters, fully fetched.

A query that reads a memo table says so in its header (`-- needs: health, projects`); the
runner hands those declarations to `epmo.memo`, which builds the memo's weeks on this
connection first. The runner never searches a query's text for what it reads.

Queries live in `queries/`, one per file, named after what they return. Values are always
bound as parameters (`$name`). The only SQL text not in `queries/` is generated DDL whose
varying parts are identifiers from allow-lists (`ident`, the contract's table and column
names) or the store's own Parquet file paths (`literal`): the raw_* views in
`store.register_snapshot` and the staging tables in `validate.stage`.
"""

from __future__ import annotations

import contextlib
import re
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa

from epmo import contract, settings

if TYPE_CHECKING:  # DuckDB imports pandas for .df(); a process that never asks skips it (0.2 s)
    import pandas as pd

QUERIES_DIR = Path(__file__).resolve().parent.parent / "queries"
_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_META = re.compile(r"^--\s*([a-z_]+):\s*(.*)$")


@dataclass(frozen=True)
class Query:
    name: str  # path under queries/ without .sql, e.g. "checks/not_a_date"
    text: str
    meta: dict[str, str]
    description: str

    @property
    def params(self) -> list[str]:
        return sorted(set(_PARAM.findall(self.text)))

    @property
    def needs(self) -> tuple[Need, ...]:
        """The memos this query reads, as its header declares them (`-- needs: health,
        projects`; `health(history)`: the health of every week of a project's history)."""
        return parse_needs(self.meta.get("needs", ""))


@dataclass(frozen=True)
class Need:
    memo: str
    history: bool = False


_NEED = re.compile(r"^([a-z_]+)(\(history\))?$")


def parse_needs(text: str) -> tuple[Need, ...]:
    out = []
    for item in text.split("  ")[0].split(","):
        item = item.strip()
        if not item:
            continue
        m = _NEED.match(item)
        if m is None:
            raise ValueError(f"bad memo declaration {item!r}: write `-- needs: name, name(history)`")
        out.append(Need(m.group(1), bool(m.group(2))))
    return tuple(out)


@cache
def query(name: str) -> Query:
    path = (QUERIES_DIR / f"{name}.sql").resolve()
    if QUERIES_DIR not in path.parents or not path.is_file():
        raise KeyError(f"no query named {name!r} in queries/")
    text = path.read_text(encoding="utf-8")
    meta: dict[str, str] = {}
    notes: list[str] = []
    for line in text.splitlines():
        if not line.startswith("--"):
            break
        m = _META.match(line)
        if m and m.group(1) in {
            "rule",
            "severity",
            "grain",
            "params",
            "view",
            "macro",
            "source",
            "metrics",
            "metric",
            "needs",
        }:
            meta[m.group(1)] = m.group(2).strip()
        else:
            notes.append(line.lstrip("-").strip())
    return Query(name, text, meta, " ".join(n for n in notes if n))


def names(folder: str) -> list[str]:
    """All query names in a folder of queries/, sorted."""
    return sorted(f"{folder}/{p.stem}" for p in (QUERIES_DIR / folder).glob("*.sql"))


def _bind(q: Query, params: dict[str, Any]) -> dict[str, Any]:
    wanted = q.params
    missing = [p for p in wanted if p not in params]
    if missing:
        raise TypeError(f"query {q.name} needs parameter(s): {', '.join(missing)}")
    return {k: params[k] for k in wanted}


# Connections whose queries run on the connection itself rather than on a new cursor of it:
# the cursors of the process's shared catalog (epmo/store.py shared_connection), whose
# snapshot relations are TEMP objects that a further cursor would not see. Each serves one
# thread at a time; the app's connection, shared by the sessions' threads, is a connection
# of its own (Store.connect(threaded=True)) and its queries run on cursors.
_DIRECT: weakref.WeakSet[duckdb.DuckDBPyConnection] = weakref.WeakSet()


def run_directly(con: duckdb.DuckDBPyConnection) -> None:
    """Mark `con` as one whose queries run on it, not on cursors (see _DIRECT)."""
    _DIRECT.add(con)


@contextlib.contextmanager
def cursor(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """What to run a query on: a new cursor of `con` (closed after), or `con` itself when its
    relations are its own (run_directly)."""
    if con in _DIRECT:
        yield con
        return
    cur = con.cursor()
    try:
        yield cur
    finally:
        cur.close()


@contextlib.contextmanager
def _cursor(
    con: duckdb.DuckDBPyConnection, name: str, params: dict[str, Any]
) -> Iterator[tuple[Any, Query, dict[str, Any]]]:
    """A cursor with the memos the query reads prepared, the query and its bound values."""
    q = query(name)
    bound = _bind(q, params)
    with cursor(con) as cur:
        if q.needs:
            from epmo import memo  # the memo layer wraps the runner: it builds what the query needs

            memo.prepare_for(cur, q, bound)
        yield cur, q, bound


def arrow(con: duckdb.DuckDBPyConnection, name: str, /, **params: Any) -> pa.Table:
    """Run a named query with bound parameters; fully materialised Arrow."""
    with _cursor(con, name, params) as (cur, q, bound):
        return cur.sql(q.text, params=bound).to_arrow_table()


def records(
    con: duckdb.DuckDBPyConnection, name: str, /, limit: int | None = None, **params: Any
) -> list[dict[str, Any]]:
    """Run a named query with bound parameters; its rows as dicts, at most `limit` of them.

    For many small queries in a row (the checks of validation: most find nothing): `execute`
    plans the statement once, where a relation binds it twice (see df), 2 ms a query."""
    with _cursor(con, name, params) as (cur, q, bound):
        cur.execute(q.text, bound)
        columns = [d[0] for d in cur.description or ()]
        rows = cur.fetchall() if limit is None else cur.fetchmany(limit)
    return [dict(zip(columns, row, strict=True)) for row in rows]


def df(con: duckdb.DuckDBPyConnection, name: str, /, **params: Any) -> pd.DataFrame:
    """Run a named query with bound parameters; a pandas DataFrame.

    `execute` plans the statement once; a relation (`cursor.sql`) binds it for its columns
    and again when fetched, which for the queries over the as-of and capacity macros costs
    about as much as running them."""
    with _cursor(con, name, params) as (cur, q, bound):
        return cur.execute(q.text, bound).df()


TABLE_DDL = "CREATE OR REPLACE TABLE "


def execute_script(con: duckdb.DuckDBPyConnection, name: str, temp: bool = False) -> None:
    """Run a DDL file (views, macros); these take no parameters.

    temp: the file creates one table (`CREATE OR REPLACE TABLE x AS ...`); create it as a
    TEMP table instead, private to this connection (a cursor of the shared catalog)."""
    q = query(name)
    if q.params:
        raise TypeError(f"{name} is a definition and cannot take parameters")
    text = q.text
    if temp:
        if text.count(TABLE_DDL) != 1:
            raise ValueError(f"{name} does not create exactly one table")
        text = text.replace(TABLE_DDL, "CREATE OR REPLACE TEMP TABLE ")
    con.execute(text)


def install_macros(con: duckdb.DuckDBPyConnection) -> None:
    """Create every macro in queries/macros/, in the order of queries/macros/ORDER."""
    for name in macro_order():
        execute_script(con, f"macros/{name}")


def macro_order() -> list[str]:
    """queries/macros/ORDER: one macro a line, each after the macros it calls."""
    text = (QUERIES_DIR / "macros" / "ORDER").read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


# --------------------------------------------------------------------------- identifiers


def ident(name: str) -> str:
    """Quote an identifier; only names of the contract or the store are accepted."""
    allowed = _allowed_identifiers()
    if name not in allowed:
        raise ValueError(f"identifier not in the allow-list: {name!r}")
    return '"' + name.replace('"', '""') + '"'


@lru_cache(maxsize=1)
def _allowed_identifiers() -> frozenset[str]:
    out = {c.name for t in contract.TABLES for c in t.columns}
    out |= {f"{p}_{t}" for t in contract.TABLE_NAMES for p in ("raw", "stg", "checked", "typed")}
    out |= {f"raw_{t}" for t in ("uploads", "submissions", "documents", "access", "audit")}
    return frozenset(out)


def literal(text: str) -> str:
    """A SQL string literal, for DDL that cannot take parameters (the store's file paths)."""
    return "'" + text.replace("'", "''") + "'"


def connect_files_only(threads: int = 1) -> duckdb.DuckDBPyConnection:
    """An in-memory connection without the contract's reference tables and macros, for a
    query that reads files only (the maintenance lease's row: 15 ms to open, against 40-50
    ms for `connect`, on every upload's maintenance check)."""
    return duckdb.connect(":memory:", config={"threads": threads})


def connect(threads: int | None = None, memory_limit: str | None = None) -> duckdb.DuckDBPyConnection:
    config: dict[str, Any] = {}
    if threads:
        config["threads"] = threads
    if memory_limit:
        config["memory_limit"] = memory_limit
    con = duckdb.connect(":memory:", config=config)
    for name, tbl in contract.reference_tables().items():
        con.register("_ref", tbl)
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM _ref")  # noqa: S608 (allow-listed identifiers)
        con.unregister("_ref")
    con.register("_ref", pa.Table.from_pylist([settings.health_rules()]))
    con.execute("CREATE TABLE health_rules AS SELECT * FROM _ref")
    con.unregister("_ref")
    con.execute(
        "CREATE TABLE enum_maps AS SELECT table_name, column_name, "
        "map(list(value_key), list(canonical)) AS spellings FROM enum_values GROUP BY ALL"
    )
    install_macros(con)
    return con
