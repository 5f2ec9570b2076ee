"""The decision log: decisions are documents (one name per decision, a version per edit),
each linked to the snapshot it was based on."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import duckdb
import pandas as pd

from epmo import access, clock, settings
from epmo import pagedata as pages
from epmo.pagedata import Filters
from epmo.steering.freeze import DECISION_KIND, Freeze, SteeringError
from epmo.store import Store


@dataclass(frozen=True)
class Decision:
    decision_date: dt.date
    decision: str
    rationale: str
    project_ids: tuple[str, ...]
    owner: str
    due_date: dt.date | None
    status: str = "Open"
    based_on: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        data = asdict(self)
        data["decision_date"] = self.decision_date.isoformat()
        data["due_date"] = self.due_date.isoformat() if self.due_date else None
        data["project_ids"] = list(self.project_ids)
        return json.dumps(data, sort_keys=True)


def _date(value: Any, what: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise SteeringError(f"{what} {value!r} is not a date (YYYY-MM-DD)") from None


def validate_decision(
    con: duckdb.DuckDBPyConnection, data: dict[str, Any], frozen: Freeze, kept_date: dt.date | None = None
) -> Decision:
    """A decision from form or JSON input; SteeringError lists everything wrong at once.
    `kept_date`: the date of the version being edited, which stands even when it is after
    today (a decision saved with one before dates after today were refused can be closed)."""
    problems: list[str] = []
    text = str(data.get("decision") or "").strip()
    if not text:
        problems.append("the decision is empty: say what was decided")
    owner = str(data.get("owner") or "").strip()
    if not owner:
        problems.append("give the decision an owner")
    try:
        day = _date(data.get("decision_date"), "decision date") or clock.today()
    except SteeringError as exc:
        problems.append(str(exc))
        day = clock.today()
    try:
        due = _date(data.get("due_date"), "due date")
    except SteeringError as exc:
        problems.append(str(exc))
        due = None
    if day > clock.today() and day != kept_date:
        problems.append(
            f"the decision date {day:%d %b %Y} is in the future: a decision is dated the day it "
            "was taken (give the day it takes effect as its due date)"
        )
    if due is not None and due < day:
        problems.append(f"the due date {due:%d %b %Y} is before the decision date {day:%d %b %Y}")
    status = str(data.get("status") or "Open")
    allowed = list(settings.current().steering.decision_statuses)
    if status not in allowed:
        problems.append(f"status must be one of {', '.join(allowed)}, not {status!r}")
    raw = data.get("project_ids") or []
    ids = [p.strip() for p in (raw.split(",") if isinstance(raw, str) else raw) if str(p).strip()]
    if ids:
        known = set(pages.steering.known_projects(con, Filters(frozen.as_of)))
        unknown = [p for p in ids if p not in known]
        if unknown:
            problems.append(f"unknown project id(s) as of {frozen.as_of:%d %b %Y}: {', '.join(unknown)}")
    if problems:
        raise SteeringError("Nothing saved: " + "; ".join(problems) + ".")
    return Decision(
        day,
        text,
        str(data.get("rationale") or "").strip(),
        tuple(dict.fromkeys(ids)),
        owner,
        due,
        status,
        {
            "as_of": frozen.as_of.isoformat(),
            "cutoff_at": frozen.cutoff_at.isoformat(),
            "snapshot_key": frozen.table_versions,  # not the store's path: every viewer reads it
        },
    )


def save_decision(
    store: Store, decision: Decision, identity: access.Identity, decision_id: str | None = None
) -> str:
    """Save a new decision (a new id) or a new version of an existing one; returns its id.
    A new version keeps the snapshot the first version was based on. `identity` must be
    allowed to record decisions (access.MATRIX["decision"])."""
    access.require(identity, access.DOCUMENT_ACTIONS[DECISION_KIND])
    if decision_id is None:
        decision_id = f"D-{decision.decision_date:%Y%m%d}-{uuid.uuid4().hex[:6]}"
    else:
        previous = store.document(DECISION_KIND, decision_id)
        if previous is None:
            raise SteeringError(f"no decision {decision_id!r} to edit")
        # an edit (a status, a due date...) keeps the snapshot the decision was based on
        basis = json.loads(previous["spec"]).get("based_on") or decision.based_on
        decision = replace(decision, based_on=basis)
    # checked above, before the previous version is read
    said = {"decision_date": decision.decision_date, "based_on_as_of_date": decision.based_on.get("as_of")}
    store.save_document(
        DECISION_KIND,
        decision_id,
        decision.to_json(),
        identity.email,
        as_of=decision.decision_date,
        said=said,
    )
    return decision_id


def decisions(con: duckdb.DuckDBPyConnection, as_of: dt.date, project_id: str = "") -> pd.DataFrame:
    """The decision log (latest version of each decision) decided on or before as_of."""
    return pages.steering.decision_log(con, as_of, project_id)


def decision_history(store: Store, decision_id: str) -> pd.DataFrame:
    return store.frame("ledger/document_versions", kind=DECISION_KIND, name=decision_id)


def decisions_view(store: Store, as_of: dt.date, project: str | None = None) -> pd.DataFrame:
    """Export view `decisions`: the decision log as of the date (one row per decision)."""
    con = store.connect()
    try:
        return decisions(con, as_of, project or "")
    finally:
        con.close()
