"""The memo layer: per-connection tables of costly definitions, built week by week on demand.

A query declares the memos it reads in its header (`-- needs: health, projects`;
`health(history)` for the health of every week of a project's history). Before the runner
(`epmo.sql`) runs it, `prepare_for` computes the weeks the query binds into each memo it
needs, once per connection and week, under a lock per memo (two sessions asking for the
same week compute it once; different memos build side by side). Definitions:
views/memo_weeks.sql, views/health_memo.sql, views/demand_memo.sql (and the other capacity memos),
views/projects_memo.sql (and milestones, raid, key milestones, project report hashes),
flow/flow_items_table.sql.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import duckdb

from epmo.sql import Query, query


@dataclass(frozen=True)
class Memo:
    """A per-connection table of a costly definition, filled week by week before a query
    that reads it (views/memo_weeks.sql, views/health_memo.sql, views/demand_memo.sql (and the other capacity memos),
    views/projects_memo.sql and its siblings)."""

    name: str
    readers: tuple[str, ...]  # names that read the memo: a query naming one declares the memo (tests)
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
    Memo("project_report_hashes", ("project_report_hashes_memo",), (), "memo/insert_project_report_hashes"),
)
MEMO_BY_NAME = {m.name: m for m in MEMOS}
# one lock per memo (re-entrant: building health builds the flow forecasts it reads)
_LOCKS = {m.name: threading.RLock() for m in MEMOS}
HISTORY = "history"  # memo_weeks rows (history, as_of): a project history as of that week was prepared
_LOCKS[HISTORY] = threading.RLock()


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
    with _LOCKS[memo]:  # two sessions asking for the same week compute it once
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


def _mark_history(cur: duckdb.DuckDBPyConnection, as_of: dt.date) -> None:
    with _LOCKS[HISTORY]:
        marked = {
            row[0] for row in cur.execute(query("memo/prepared_weeks").text, {"memo": HISTORY}).fetchall()
        }
        if as_of not in marked:
            cur.execute(query("memo/insert_weeks").text, {"memo": HISTORY, "weeks": [as_of]})


def prepare_for(cur: duckdb.DuckDBPyConnection, q: Query, bound: dict[str, Any]) -> None:
    """Before a query, prepare the weeks it binds in every memo it declares it needs."""
    # one look at every memo's weeks; prepare() checks again under its lock before computing
    done = set(cur.execute(query("memo/prepared").text).fetchall())
    history_of = None
    for need in q.needs:
        m = MEMO_BY_NAME[need.memo]
        if not m.week_params:
            if (m.name, None) not in done:
                prepare(cur, m.name, ONCE)
            continue
        weeks = [w for k in m.week_params if k in bound and (w := _week(bound[k])) is not None]
        if need.history and "as_of" in bound:
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
