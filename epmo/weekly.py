"""The project manager's week: my projects, "no change this week", the pre-filled
workbook, and for the EPMO who has not reported.

Everything here takes the project manager's email as an argument ("the projects whose
project manager is <email>"); the page gets it from one helper (app_pages/my_projects.py,
`acting_manager`), where the signed-in identity plugs in.

A confirmation ("no change this week") is recorded as its own ledger row (file name
CONFIRMATION_FILE, sha256 'confirm:<digest>') with a submission per table and project but
no data rows: views/submission_validity resolves each confirmed submission to the rows of
the latest earlier submission that carried rows, so the as-of views read the confirmed
rows once, for the new week (not stale, on time or late by the confirmation's own commit),
nothing is copied, and the "copied forward unchanged" count (health/submission_status)
never counts a confirmation as a re-sent row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import urllib.parse
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import pyarrow as pa

from epmo import access, audit, contract, export, labels, sql, templates
from epmo.store import Store

CONFIRMATION_FILE = "(confirmed unchanged)"
CONFIRMATION_NOTE = "confirmed unchanged"


@dataclass
class MyWeek:
    """What the EPMO sees for one project manager's projects in one week."""

    manager: str
    as_of: dt.date
    projects: pd.DataFrame  # weekly/my_projects
    tables: pd.DataFrame  # weekly/my_tables: each table's week and staleness per project
    changes: pd.DataFrame  # health/changes for my projects since the week before
    warnings: list[str] = field(default_factory=list)

    @property
    def project_ids(self) -> list[str]:
        return [str(p) for p in self.projects["project_id"]]

    @property
    def expected(self) -> pd.Series:
        """Per project: expected to report for the week (macros/epmo_expected_to_report, the
        one definition Home and Data quality use: a Closed project is not expected)."""
        return _expected(self.projects)

    @property
    def expected_count(self) -> int:
        return int(self.expected.sum())

    @property
    def reported_count(self) -> int:
        """Of the projects expected to report, those that reported for the week (Home's
        "Reported this week")."""
        return int((self.expected & self.projects["reported_this_week"].astype(bool)).sum())

    @property
    def rag_differs_count(self) -> int:
        """My projects whose computed RAG is not the one I declare: judged ones only (a project
        not judged has no computed RAG to differ from)."""
        computed = self.projects["rag_computed"]
        judged = computed.notna() & computed.isin(["Red", "Amber", "Green"])
        return int((judged & (self.projects["rag_declared"] != computed)).sum())

    @property
    def to_confirm(self) -> list[str]:
        """My projects missing their report for the week: expected to report and not
        reported (a confirmation can cover them)."""
        missing = self.expected & ~self.projects["reported_this_week"].astype(bool)
        return [str(p) for p in self.projects.loc[missing, "project_id"]]

    @property
    def this_week(self) -> list[str]:
        """Per project, in words: confirmed unchanged, reported, not reported (n wk), or not
        expected to report (its stage)."""
        return [_this_week(r) for r in self.projects.itertuples()]


def _expected(projects: pd.DataFrame) -> pd.Series:
    return projects["is_active"].fillna(False).astype(bool)


def _this_week(r: Any) -> str:
    if r.confirmed_unchanged:
        return "confirmed unchanged"
    if r.reported_this_week:
        return "reported"
    if not r.is_active:
        return f"not expected to report ({r.stage})"
    return f"not reported ({r.weeks_stale} wk)"


MY_WEEK_QUERIES = {
    "projects": "weekly/my_projects",
    "tables": "weekly/my_tables",
    "changes": "health/changes",
}


def my_week(con: Any, manager: str, as_of: dt.date) -> MyWeek:
    """The manager's projects as of the week, on the store connection `con` (the page asks
    through epmo.pagedata.weekly.my_week, cached by store version and manager)."""
    projects = sql.df(con, MY_WEEK_QUERIES["projects"], as_of=as_of, manager=manager)
    ids = [str(p) for p in projects["project_id"]]
    tables = sql.df(con, MY_WEEK_QUERIES["tables"], as_of=as_of, project_ids=ids)
    since = as_of - dt.timedelta(days=7)
    changes = sql.df(con, MY_WEEK_QUERIES["changes"], as_of=as_of, since=since, portfolios=[], programmes=[])
    changes = changes[changes["project_id"].isin(ids)].reset_index(drop=True)
    return MyWeek(manager, as_of, projects, tables, changes, _warnings(projects, tables))


def _warnings(projects: pd.DataFrame, tables: pd.DataFrame) -> list[str]:
    """Plain sentences, one per thing a project manager can act on."""
    out: list[str] = []
    for r in projects.itertuples():
        if not r.reported_this_week and r.is_active:
            out.append(
                f"{r.project_id}: not reported for this week (last report "
                f"{labels.text('as_of_date', r.as_of_date)}, "
                f"{labels.count(r.weeks_stale, 'week')} ago). Confirm it unchanged or upload the changes."
            )
        if r.is_watermelon:
            out.append(
                f"{r.project_id}: you report {r.rag_declared} but the rules compute "
                f"{r.rag_computed} ({r.rag_reasons})."
            )
        if isinstance(r.evm_notes, str) and r.evm_notes:
            out.append(f"{r.project_id}: {r.evm_notes}")
    expected = set(projects.loc[_expected(projects), "project_id"].astype(str))
    stale = tables[(tables["weeks_stale"] > 0) & tables["project_id"].astype(str).isin(expected)]
    for r in stale.itertuples():
        out.append(
            f"{r.project_id}: table {labels.text('table_name', r.table_name)} last reported for "
            f"{labels.text('reported_week', r.reported_week)} "
            f"({labels.count(r.weeks_stale, 'week')} old)."
        )
    return out


class ConfirmRefused(ValueError):
    """A confirmation that cannot be recorded, with the reason in words."""


def confirm_unchanged(
    store: Store, identity: access.Identity, manager: str, project_ids: list[str], as_of: dt.date
) -> str:
    """Record, as `identity`, "no change this week" for `project_ids` (all managed by
    `manager`) for the week `as_of`; returns the confirmation's upload id. Refused
    (access.Forbidden, access.confirm_refusal) for an identity that may not upload, an
    analyst, or a pm confirming for another manager; refused (ConfirmRefused) for a project
    that is not the manager's, has already reported for the week, or has never reported. Every table the project reported (except
    capacity, which is per team) is confirmed: the as-of views then read its last rows for
    the new week. The ledger records the identity's email, not the manager's."""
    refusal = access.confirm_refusal(identity, manager)
    if refusal:
        access.log_refusal(identity, "upload", f"confirm no change for {manager}'s projects")
        raise access.Forbidden(refusal)
    if not project_ids:
        raise ConfirmRefused("Choose at least one project to confirm.")
    from epmo.ingest import as_of_problem

    problem = as_of_problem(as_of)
    if problem:
        raise ConfirmRefused(problem)
    con = store.connect()
    try:
        mine = sql.df(con, "weekly/my_projects", as_of=as_of, manager=manager)
        tables = sql.df(con, "weekly/my_tables", as_of=as_of, project_ids=list(project_ids))
    finally:
        con.close()
    known = dict(zip(mine["project_id"].astype(str), mine["reported_this_week"], strict=True))
    for pid in project_ids:
        if pid not in known:
            raise ConfirmRefused(
                f"Project {pid} is not one of {manager}'s projects as of {as_of:%d %b %Y}; nothing was recorded."
            )
        if known[pid]:
            raise ConfirmRefused(
                f"Project {pid} has already reported for the week of {as_of:%d %b %Y}; nothing was recorded. "
                "Upload a changed file instead if something changed."
            )
    rows = tables[tables["weeks_stale"] > 0]
    if rows.empty:  # pragma: no cover - a project in my_projects has a projects submission
        raise ConfirmRefused("Nothing to confirm.")
    upload_id = uuid.uuid4().hex
    subs = pa.table(
        {
            "upload_id": [upload_id] * len(rows),
            "table_name": rows["table_name"].astype(str).tolist(),
            "entity_key": rows["project_id"].astype(str).tolist(),
        }
    )
    digest = hashlib.sha256(
        json.dumps(
            [as_of.isoformat(), sorted(project_ids), sorted(rows["submission_id"].astype(str))]
        ).encode()
    ).hexdigest()
    names = sorted(set(rows["table_name"].astype(str)))
    with audit.acting(identity):  # the audit trail's role and app/cli come from the identity
        store.commit_submissions(
            subs,
            {
                "upload_id": upload_id,
                "as_of_date": as_of,
                "user_email": identity.email,
                "file_name": CONFIRMATION_FILE,
                "sha256": "confirm:" + digest,
                "tables": ",".join(names),
                "row_counts": "{}",
                "mapping_name": "",
                "note": f"{CONFIRMATION_NOTE}: {', '.join(sorted(project_ids))}",
            },
        )
    return upload_id


def prefilled_workbook(store: Store, manager: str, as_of: dt.date) -> bytes:
    """The template workbook holding the current rows of the manager's projects (every
    contract table they report, except capacity), ready to edit and upload back. A project
    an admin reassigned carries its manager now (weekly/my_projects), not the last report's."""
    con = store.connect()
    try:
        mine = sql.df(con, "weekly/my_projects", as_of=as_of, manager=manager)
        ids = [str(p) for p in mine["project_id"]]
        managers = dict(zip(ids, mine["project_manager"], strict=True))
        out: dict[str, list[dict[str, Any]]] = {}
        for t in contract.TABLES:
            if t.entity_key != "project_id":
                continue
            frame = sql.df(con, f"export/{t.name}", as_of=as_of)
            frame = frame[frame["project_id"].isin(ids)]
            if t.name == "projects":
                frame = frame.assign(project_manager=frame["project_id"].map(managers))
            if t.name == "projects" or not frame.empty:
                out[t.name] = [
                    {c: _plain(r.get(c)) for c in t.column_names} for r in frame.to_dict("records")
                ]
    finally:
        con.close()
    return templates.filled_workbook(out)


def _plain(value: Any) -> Any:
    if value is None:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    if isinstance(value, pd.Timestamp):
        return value.date()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def not_submitted(
    con: Any, as_of: dt.date, portfolios: Sequence[str] = (), programmes: Sequence[str] = ()
) -> pd.DataFrame:
    """Project managers with active projects not reported for the week (of those portfolios
    and programmes; none: all), with a mailto: link naming only those projects, on the store
    connection `con` (the page asks through epmo.pagedata.weekly.not_submitted)."""
    frame = sql.df(
        con, "weekly/not_submitted", as_of=as_of, portfolios=list(portfolios), programmes=list(programmes)
    )
    frame["mailto"] = [mailto(str(r.project_manager), str(r.project_ids), as_of) for r in frame.itertuples()]
    return frame


def mailto(email: str, project_ids: str, as_of: dt.date) -> str:
    """A mailto: link asking for the week's report (every part percent-encoded)."""
    subject = f"Weekly report for {as_of:%d %b %Y}: {project_ids}"
    body = (
        f"Hello,\n\nThe EPMO has no report for the week of {as_of:%d %b %Y} for: {project_ids}.\n"
        "If nothing changed, open My projects and press 'No change this week'; otherwise "
        "download your pre-filled workbook there, edit it and upload it.\n\nThank you."
    )
    query = urllib.parse.urlencode({"subject": subject, "body": body}, quote_via=urllib.parse.quote)
    return f"mailto:{urllib.parse.quote(email, safe='@')}?{query}"


def mail_merge_csv(frame: pd.DataFrame) -> bytes:
    """The not-submitted list as a mail-merge CSV; text cells a spreadsheet would run as a
    formula are neutralised (epmo/export.py)."""
    cols = ["project_manager", "projects_missing", "project_ids", "project_names", "oldest_report"]
    return export.to_csv_bytes(export.neutralise(frame[cols]))
