"""Named queries: found by name in `queries/`, run with bound parameters, fully fetched.

Queries live in `queries/`, one per file, named after what they return. Values are always
bound as parameters (`$name`). The only SQL text not in `queries/` is generated DDL whose
varying parts are identifiers from allow-lists (`ident`, the contract's table and column
names) or the store's own Parquet file paths (`literal`): the raw_* views in
`store.register_snapshot` and the staging tables in `validate.stage`.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from epmo import contract, settings

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
            "health",
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


@dataclass(frozen=True)
class Memo:
    """A per-connection table of a costly definition, filled week by week before a query
    that reads it (views/memo_weeks.sql, views/project_health_weeks.sql, views/capacity_demand_days.sql and the other capacity memo files,
    views/projects_as_of_memo.sql and its siblings)."""

    name: str
    readers: tuple[str, ...]  # names in a query's text that read the memo
    week_params: tuple[str, ...]  # the parameters that name the weeks it reads
    insert: str  # the query that computes weeks into the memo: $weeks (a list) or $as_of (one)
    # queries ($as_of) run per week once the weeks are marked, in the same transaction: tables
    # derived from the memo, which may read it through its macros
    then: tuple[str, ...] = ()


MEMOS = (
    Memo("health", ("project_health",), ("as_of", "previous", "since"), "memo/insert_health"),
    Memo(
        "demand",
        (
            "capacity_demand_days",
            "capacity_scenario_demand",
            "capacity_demand_segments",
            "capacity_scenario_segments",
            "capacity_demand_months",
            "capacity_projects",
        ),
        ("as_of",),
        "memo/insert_demand",
        ("memo/insert_demand_segments", "memo/insert_demand_months", "memo/insert_demand_projects"),
    ),
    Memo("supply", ("capacity_supply_days", "capacity_scenario_supply"), ("as_of",), "memo/insert_supply"),
    Memo("projects", ("projects_as_of_memo",), ("as_of",), "memo/insert_projects"),
    Memo("milestones", ("milestones_as_of_memo",), ("as_of", "previous", "since"), "memo/insert_milestones"),
    Memo("raid", ("raid_as_of_memo",), ("as_of", "previous", "since"), "memo/insert_raid"),
    Memo(
        "flow_items",
        ("flow_items_memo", "flow_facts_memo"),
        ("as_of",),
        "memo/insert_flow_items",
        ("memo/insert_flow_facts",),
    ),
    # no week parameters: computed once per connection (memo_weeks holds one row, week NULL)
    Memo("key_milestones", ("key_milestone_history_memo",), (), "memo/insert_key_milestones"),
)
MEMO_BY_NAME = {m.name: m for m in MEMOS}
_MEMO_LOCK = threading.Lock()


def _week(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None  # the query's own CAST reports it
    return None


ONCE: list[dt.date | None] = [None]  # the "weeks" of a memo without week parameters


def prepare(cur: duckdb.DuckDBPyConnection, memo: str, weeks: Sequence[dt.date | None]) -> None:
    """Compute `weeks` into this connection's memo `memo`, once per week (a memo without
    week parameters: once, whatever `weeks` says)."""
    m = MEMO_BY_NAME[memo]
    with _MEMO_LOCK:  # two sessions asking for the same week compute it once
        done = {row[0] for row in cur.execute(query("memo/prepared_weeks").text, {"memo": memo}).fetchall()}
        wanted = ONCE if not m.week_params else [w for w in weeks if w is not None]
        missing: list[dt.date | None] = sorted(
            {w for w in wanted if w not in done}, key=lambda w: w or dt.date.min
        )
        if not missing:
            return
        cur.execute("BEGIN TRANSACTION")
        try:
            if m.name == "health":  # the agile RAG reads the work-item forecasts of the weeks
                _prepare_forecasts(cur, [w for w in missing if w is not None])
            if not m.week_params:
                cur.execute(query(m.insert).text)
            elif "weeks" in query(m.insert).params:
                cur.execute(query(m.insert).text, {"weeks": missing})
            else:
                for week in missing:
                    cur.execute(query(m.insert).text, {"as_of": week})
            cur.execute(query("memo/insert_weeks").text, {"memo": memo, "weeks": missing})
            for name in m.then:
                for week in missing:
                    cur.execute(query(name).text, {"as_of": week})
        except BaseException:
            cur.execute("ROLLBACK")
            raise
        cur.execute("COMMIT")


def _prepare_forecasts(cur: duckdb.DuckDBPyConnection, weeks: list[dt.date]) -> None:
    """The Monte Carlo forecasts (numpy, epmo/flow.py) of the backlogs in force in `weeks`,
    into flow_forecast_memo, before their health is computed."""
    from epmo.flow import prepare_forecasts

    prepare_forecasts(cur, weeks)


def prepare_health(cur: duckdb.DuckDBPyConnection, weeks: list[dt.date]) -> None:
    """Compute the health of `weeks` into this connection's health_memo, once per week."""
    prepare(cur, "health", weeks)


HISTORY = "history"  # memo_weeks rows (history, as_of): a project history as of that week was prepared


def _mark_history(cur: duckdb.DuckDBPyConnection, as_of: dt.date) -> None:
    with _MEMO_LOCK:
        marked = {
            row[0] for row in cur.execute(query("memo/prepared_weeks").text, {"memo": HISTORY}).fetchall()
        }
        if as_of not in marked:
            cur.execute(query("memo/insert_weeks").text, {"memo": HISTORY, "weeks": [as_of]})


def _prepare(cur: duckdb.DuckDBPyConnection, q: Query, bound: dict[str, Any]) -> None:
    """Before a query that reads a memo, prepare the weeks it binds."""
    readers = [m for m in MEMOS if any(reader in q.text for reader in m.readers)]
    if not readers:
        return
    # one look at every memo's weeks; prepare() checks again under its lock before computing
    done = set(cur.execute(query("memo/prepared").text).fetchall())
    history_of = None
    for m in readers:
        if not m.week_params:
            if (m.name, None) not in done:
                prepare(cur, m.name, ONCE)
            continue
        weeks = [w for k in m.week_params if k in bound and (w := _week(bound[k])) is not None]
        if m.name == "health" and q.meta.get("health", "").startswith("history") and "as_of" in bound:
            history_of = _week(bound["as_of"])
            # a history as of this week was prepared on this connection before: its weeks
            # are in the memo (memos only grow), so they need not be listed again
            if history_of is None or (HISTORY, history_of) not in done:
                history = cur.execute(query("memo/history_weeks").text, {"as_of": bound["as_of"]}).fetchall()
                weeks += [row[0] for row in history]
            else:
                history_of = None
        if any((m.name, w) not in done for w in weeks):
            prepare(cur, m.name, weeks)
    if history_of is not None:
        _mark_history(cur, history_of)


def _cursor(
    con: duckdb.DuckDBPyConnection, name: str, params: dict[str, Any]
) -> tuple[Any, Query, dict[str, Any]]:
    """A new cursor with the memos the query reads prepared, the query and its bound values."""
    q = query(name)
    bound = _bind(q, params)
    cur = con.cursor()
    try:
        _prepare(cur, q, bound)
    except BaseException:
        cur.close()
        raise
    return cur, q, bound


def arrow(con: duckdb.DuckDBPyConnection, name: str, /, **params: Any) -> pa.Table:
    """Run a named query with bound parameters; fully materialised Arrow."""
    cur, q, bound = _cursor(con, name, params)
    try:
        return cur.sql(q.text, params=bound).to_arrow_table()
    finally:
        cur.close()


def df(con: duckdb.DuckDBPyConnection, name: str, /, **params: Any) -> pd.DataFrame:
    """Run a named query with bound parameters; a pandas DataFrame.

    `execute` plans the statement once; a relation (`cursor.sql`) binds it for its columns
    and again when fetched, which for the queries over the as-of and capacity macros costs
    about as much as running them."""
    cur, q, bound = _cursor(con, name, params)
    try:
        return cur.execute(q.text, bound).df()
    finally:
        cur.close()


def execute_script(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Run a DDL file (views, macros); these take no parameters."""
    q = query(name)
    if q.params:
        raise TypeError(f"{name} is a definition and cannot take parameters")
    con.execute(q.text)


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
    out |= {f"raw_{t}" for t in ("uploads", "submissions", "documents")}
    return frozenset(out)


def literal(text: str) -> str:
    """A SQL string literal, for DDL that cannot take parameters (the store's file paths)."""
    return "'" + text.replace("'", "''") + "'"


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
