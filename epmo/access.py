"""Who may do what: identities, roles, portfolio scope, the access list, the PM upload rules.

Every check here takes the acting identity as an argument, so the app, the command line and
the tests obey the same rules. The role x action table is `MATRIX`; docs/security.md shows
it and tests/unit/test_access_matrix.py parses that document and tests every cell against
the operations themselves.

Where an identity comes from (docs/security.md "Sign-in"):
- demo mode (nothing configured): one identity, admin, unscoped, announced on every page;
- OIDC sign-in (Streamlit's st.login, `[auth]` in .streamlit/secrets.toml) or a trusted
  reverse proxy (server.trustedUserHeaders): an email (and groups), resolved by `resolve`
  against the access list in the store, then the group mapping of settings `[auth]`;
- the command line: `--as EMAIL`, else the operating-system user (`cli_identity`).
"""

from __future__ import annotations

import getpass
import json
import logging
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from deltalake import DeltaTable

from epmo import audit, clock, contract, objectstore, sql
from epmo.audit import Actor
from epmo.report import ERROR, Issue
from epmo.settings import AuthSettings, current
from epmo.store import ACCESS_SCHEMA, Store, _read_files

ROLES = ("admin", "analyst", "pm", "viewer")
LEAST_ROLE = "viewer"  # what a grant form offers first: a slip of the mouse never makes an admin

ALLOWED, REFUSED, OWN = "allowed", "refused", "own projects"
PORTFOLIOS = "their portfolios"  # an analyst's import of a register: rows of their portfolios' projects

# What each action covers (the first column of the table in docs/security.md).
ACTIONS: dict[str, str] = {
    "view": "dashboards, the steering deck, decisions and saved documents (read only)",
    "export": "CSV/XLSX downloads, `export` views, the steering pack",
    "upload": "submit rows (Upload page, `ingest`), save a column mapping or workflow",
    "explore": "the SQL explorer (page and `sql`)",
    "model": "save a scoring model",
    "scenario": "save a what-if or portfolio-selection scenario",
    "deck": "save a steering deck",
    "decision": "record or edit a decision",
    "data_quality": "Submissions, Data quality, Tables and Reminders pages, `check`",
    "retract": "retract an upload",
    "access": "grant, revoke, reassign a project's PM (Access page, `access`)",
    "maintain": "compact, repair, load the demo (`maintain`, `repair`, `demo`)",
    "audit": "the Audit page, `export audit`",
}

_A, _R = ALLOWED, REFUSED
MATRIX: dict[str, dict[str, str]] = {
    "view": {"admin": _A, "analyst": _A, "pm": _A, "viewer": _A},
    "export": {"admin": _A, "analyst": _A, "pm": _A, "viewer": _A},
    "upload": {"admin": _A, "analyst": PORTFOLIOS, "pm": OWN, "viewer": _R},
    "explore": {"admin": _A, "analyst": _A, "pm": _R, "viewer": _R},
    "model": {"admin": _A, "analyst": _A, "pm": _R, "viewer": _R},
    "scenario": {"admin": _A, "analyst": _A, "pm": _R, "viewer": _R},
    "deck": {"admin": _A, "analyst": _A, "pm": _R, "viewer": _R},
    "decision": {"admin": _A, "analyst": _A, "pm": _R, "viewer": _R},
    "data_quality": {"admin": _A, "analyst": _A, "pm": _A, "viewer": _R},
    "retract": {"admin": _A, "analyst": _R, "pm": _R, "viewer": _R},
    "access": {"admin": _A, "analyst": _R, "pm": _R, "viewer": _R},
    "maintain": {"admin": _A, "analyst": _R, "pm": _R, "viewer": _R},
    "audit": {"admin": _A, "analyst": _R, "pm": _R, "viewer": _R},
}

# Saved document kinds -> the action that saves them.
DOCUMENT_ACTIONS = {
    "scoring_model": "model",
    "capacity_scenario": "scenario",
    "selection_scenario": "scenario",
    "deck": "deck",
    "decision": "decision",
    "mapping": "upload",
    "workflow": "upload",
}

DEMO_NOTICE = "demo mode: no sign-in, everyone is admin"
MODES = ("auto", "demo", "oidc", "proxy")


class Forbidden(PermissionError):
    """The acting identity may not do this; the message says who, what and who may."""


class AuthConfigError(RuntimeError):
    """Sign-in is configured inconsistently; the message says what to change."""


@dataclass(frozen=True)
class Identity(Actor):
    """A person (or the operator) acting: their role (None: signed in but no access) and the
    portfolios they may see (None: every portfolio)."""

    portfolios: tuple[str, ...] | None = None
    teams: tuple[str, ...] = ()
    mode: str = "demo"  # demo, oidc, proxy, cli
    name: str = ""
    groups: tuple[str, ...] = field(default=(), compare=False)
    revoked: bool = False  # on the access list, access revoked (no role whatever the groups)

    @property
    def scope(self) -> tuple[str, ...] | None:
        """The portfolios this identity's reads are restricted to (admins: none)."""
        return None if self.role == "admin" else self.portfolios

    def describe(self) -> str:
        scope = "every portfolio" if self.scope is None else ", ".join(self.scope) or "no portfolio"
        return f"{self.email} ({self.role or ('access revoked' if self.revoked else 'no access')}; {scope})"


def demo_identity(via: str = "app") -> Identity:
    return Identity(email="demo", role="admin", via=via, mode="demo", name="Demo user")


# --------------------------------------------------------------------------- checks


def decision(identity: Identity, action: str) -> str:
    """The table's cell for this identity's role and `action` (refused without a role)."""
    if action not in MATRIX:
        raise KeyError(f"unknown action {action!r}")
    if identity.role not in ROLES:
        return REFUSED
    return MATRIX[action][identity.role]


def allowed(identity: Identity, action: str) -> bool:
    return decision(identity, action) != REFUSED


def who_may(action: str) -> list[str]:
    return [r for r in ROLES if MATRIX[action][r] != REFUSED]


# Refused attempts are not written to the store (a refused command writes nothing there):
# each is a line on this logger, which goes to the process's standard error (the
# container's log) as one JSON object, for the platform's log collection.
SECURITY_LOG = logging.getLogger("epmo.security")


class _StandardError(logging.StreamHandler):  # type: ignore[type-arg]
    """A handler writing to whatever sys.stderr is when a line is written (the one of its
    creation may have been replaced and closed since: a test's capture, an embedding)."""

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def _security_handler() -> None:
    if not SECURITY_LOG.handlers:
        handler = _StandardError()
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s"))
        SECURITY_LOG.addHandler(handler)
        SECURITY_LOG.setLevel(logging.INFO)
        SECURITY_LOG.propagate = False


def log_refusal(identity: Identity, action: str, detail: str = "") -> None:
    """One refused attempt on the security log: who (email, role, via), the action, and what
    was refused (never the refused data itself)."""
    _security_handler()
    SECURITY_LOG.warning(
        json.dumps(
            {
                "event": "refused",
                "action": action,
                "email": identity.email,
                "role": identity.role,
                "via": identity.via,
                "revoked": identity.revoked,
                "detail": detail[:500],
            },
            sort_keys=True,
        )
    )


def require(identity: Identity, action: str) -> None:
    """Raise Forbidden unless `identity` may do `action` (a refusal is logged: log_refusal)."""
    if allowed(identity, action):
        return
    log_refusal(identity, action)
    raise Forbidden(_forbidden_text(identity, action))


def _forbidden_text(identity: Identity, action: str) -> str:
    """Why `identity` may not do `action` ('' when it may), in words; nothing is logged (a page
    says it beside a disabled button before anyone tries)."""
    if allowed(identity, action):
        return ""
    if identity.revoked:  # said as such (docs/security.md): not "no role", which invites a grant request
        return (
            f"{identity.email}'s access was revoked: they may not {action.replace('_', ' ')} "
            f"({ACTIONS[action]}). Ask an EPMO admin if it should be restored."
        )
    role = identity.role or "no role"
    return (
        f"{identity.email} ({role}) may not {action.replace('_', ' ')} ({ACTIONS[action]}): "
        f"only {', '.join(who_may(action))} may. Ask an EPMO admin for access."
    )


# The store's own records that the explorer, where any read query runs, shows only to those
# who may act on them: table -> the action. Without it, the rows are withheld
# (queries/explorer/withheld_<table>.sql says what is left; the pages gate them by action).
EXPLORER_RECORDS = {"access": "access", "audit": "audit"}


def explorer_withheld(identity: Identity | None) -> frozenset[str]:
    """The store's own tables whose rows the SQL explorer withholds from `identity`: the access
    list (all but each project's assigned manager) unless it may manage access, the audit
    trail unless it may read it. None (a trusted caller: a benchmark, a test) withholds nothing."""
    if identity is None:
        return frozenset()
    return frozenset(t for t, action in EXPLORER_RECORDS.items() if not allowed(identity, action))


def store_for(store: Store, identity: Identity) -> Store:
    """The store as `identity` may read it: every snapshot, connection, export, pack and
    explorer query made through it is restricted to the identity's portfolios and, for a
    project manager, their own projects wherever they are (read_manager)."""
    require(identity, "view")
    if identity.scope is None and store.scope is None:
        return store
    manager = read_manager(identity, project_owners(store)) if reads_own_projects(identity) else None
    return Store(store.uri, store.storage_options, scope=identity.scope, manager=manager)


def reads_own_projects(identity: Identity) -> bool:
    """True for a portfolio-scoped project manager: their own projects may lie outside their
    portfolios, and they read those too (read_manager)."""
    return identity.scope is not None and decision(identity, "upload") == OWN


def read_manager(identity: Identity, owners: tuple[dict[str, str], dict[str, str]]) -> str | None:
    """Whose own projects a scoped identity reads besides its portfolios: a project
    manager's (they submit and follow them) when they manage a project outside those
    portfolios (`owners`: project_owners of the whole store), else nobody's, so that
    everyone scoped to the same portfolios shares one view of the store (and its
    connection) unless their own projects make theirs different."""
    if not reads_own_projects(identity):
        return None
    managers, portfolios = owners
    scope = set(identity.scope or ())
    outside = [p for p in managed_by(identity.email, managers) if portfolios.get(p) not in scope]
    return identity.email.strip().lower() if outside else None


def save_document(
    store: Store, identity: Identity, kind: str, name: str, spec_json: str, as_of: Any = None
) -> None:
    """Save a document as `identity` (the kind's action, DOCUMENT_ACTIONS, is required; a
    kind without one is refused rather than guessed)."""
    if kind not in DOCUMENT_ACTIONS:
        raise ValueError(f"no action says who may save a document of kind {kind!r} (access.DOCUMENT_ACTIONS)")
    require(identity, DOCUMENT_ACTIONS[kind])
    store.save_document(kind, name, spec_json, identity.email, as_of=as_of)


def retract(store: Store, identity: Identity, upload_id: str, reason: str) -> None:
    require(identity, "retract")
    if not reason.strip():
        raise ValueError("give a reason for the retraction (it is kept in the ledger)")
    with audit.acting(identity):
        store.retract(upload_id, identity.email, reason.strip())


# --------------------------------------------------------------------------- the PM rules


def project_managers(store: Store) -> dict[str, str]:
    """project_id -> its current project manager's email, lower case (reassignments first)."""
    return project_owners(store)[0]


def owners_on(con: duckdb.DuckDBPyConnection) -> tuple[dict[str, str], dict[str, str]]:
    """project_owners read on `con`, a connection over the whole store."""
    rows = sql.arrow(con, "access/project_managers").to_pylist()
    return _by_project(rows), _portfolios(rows)


def project_owners(store: Store) -> tuple[dict[str, str], dict[str, str]]:
    """(managers, portfolios) by project_id, read on the whole store: each project's current
    manager, and the portfolio of its latest accepted report (what places a project in a
    portfolio scope)."""
    if not store.exists():
        return {}, {}
    rows = Store(store.uri, store.storage_options).rows("access/project_managers")
    return _by_project(rows), _portfolios(rows)


def _by_project(rows: list[dict[str, Any]]) -> dict[str, str]:
    return {str(r["project_id"]): str(r["project_manager"] or "").strip().lower() for r in rows}


def _portfolios(rows: list[dict[str, Any]]) -> dict[str, str]:
    return {str(r["project_id"]): str(r["portfolio"] or "") for r in rows}


def managed_by(email: str, managers: dict[str, str]) -> list[str]:
    """The projects whose current manager is `email` (any case), in `managers` as
    project_managers gives them."""
    me = email.strip().lower()
    return sorted(p for p, pm in managers.items() if pm == me)


def my_projects(store: Store, identity: Identity) -> list[str]:
    """The projects `identity` manages now (what a pm may submit, besides new project ids)."""
    return managed_by(identity.email, project_managers(store))


def upload_refusals(
    identity: Identity,
    tables: dict[str, pa.Table],
    managers: dict[str, str],
    file_name: str = "",
    portfolios: dict[str, str] | None = None,
) -> list[Issue]:
    """Why each row of a validated upload may not be stored by `identity` (empty: it may).

    Admins may submit anything. An analyst imports registers: anything when they read every
    portfolio; when scoped, rows only for projects of their portfolios (`portfolios`:
    project_owners of the store; a new project by the portfolio its projects row gives)
    and no capacity, which is per team. A pm may submit rows only for projects whose current
    project manager they are, or for project ids the store has never seen; capacity only for
    the teams the access list names for them. Everyone else may not upload at all."""
    rule = decision(identity, "upload")
    if rule == ALLOWED or (rule == PORTFOLIOS and identity.scope is None):
        return []
    if rule == REFUSED:
        return [Issue(ERROR, "not_allowed", _forbidden_text(identity, "upload"), file=file_name)]
    if rule == PORTFOLIOS:
        return _outside_portfolios(identity, tables, portfolios or {}, file_name)
    me = identity.email.strip().lower()
    teams = {t.strip().lower() for t in identity.teams}
    issues: list[Issue] = []
    for name, table in tables.items():
        if table.num_rows == 0:
            continue
        t = contract.table(name)
        rows, origins = _rows(table), _origins(table, file_name)
        if "project_id" in t.column_names and "project_id" in table.column_names:
            named = (
                table.column("project_manager").to_pylist()
                if name == "projects" and "project_manager" in table.column_names
                else [None] * table.num_rows
            )
            for row, (file, sheet), pid, manager in zip(
                rows, origins, table.column("project_id").to_pylist(), named, strict=True
            ):
                current = managers.get(str(pid))
                if pid is not None and manager is not None and str(manager).strip().lower() != me:
                    if current is None or current == me:
                        issues.append(
                            _handover(identity, name, row, file, sheet, str(pid), str(manager), current)
                        )
                        continue
                if pid is None or current is None or current == me:
                    continue
                issues.append(
                    Issue(
                        ERROR,
                        "not_your_project",
                        f"{pid} is managed by another project manager: you ({identity.email}) may submit "
                        "rows only for your own projects or new project ids. Remove the row, or ask an "
                        "EPMO admin to reassign the project to you.",
                        file=file,
                        sheet=sheet,
                        table=name,
                        row=row,
                        column="project_id",
                        value=str(pid),
                    )
                )
        elif name == "capacity" and "team" in table.column_names:
            for row, (file, sheet), team in zip(rows, origins, table.column("team").to_pylist(), strict=True):
                if team is None or str(team).strip().lower() in teams:
                    continue
                listed = ", ".join(identity.teams) or "none"
                issues.append(
                    Issue(
                        ERROR,
                        "not_your_team",
                        f"capacity for team {team} is kept by its resource manager: you may submit "
                        f"capacity only for the teams the access list names for you ({listed}).",
                        file=file,
                        sheet=sheet,
                        table=name,
                        row=row,
                        column="team",
                        value=str(team),
                    )
                )
    return issues


def _handover(
    identity: Identity,
    table: str,
    row: int | None,
    file: str,
    sheet: str,
    pid: str,
    manager: str,
    current: str | None,
) -> Issue:
    """A pm's projects row naming someone else as the project's manager: the project would
    leave the pm (their next upload refused), and a mistyped address would own it. Giving a
    project to another manager is an admin's act (assign_pm), recorded as such."""
    what = f"{pid} is yours" if current is not None else f"{pid} is a new project"
    return Issue(
        ERROR,
        "not_yours_to_hand_over",
        f"{what}, and this row names {manager} as its project manager: you ({identity.email}) "
        "may not hand a project to another manager by upload, and would no longer be able to report "
        "it. Put your own address in the column, and ask an EPMO admin to reassign the project "
        "if it has a new manager.",
        file=file,
        sheet=sheet,
        table=table,
        row=row,
        column="project_manager",
        value=manager,
    )


def confirm_refusal(identity: Identity, manager: str) -> str:
    """Why `identity` may not confirm "no change this week" for `manager`'s projects ('': it
    may). The confirmation is the manager's word: a pm gives it for their own projects, an
    admin on a manager's behalf; an analyst, who imports registers, does not give it."""
    rule = decision(identity, "upload")
    if rule == REFUSED:
        return _forbidden_text(identity, "upload")
    if rule == PORTFOLIOS:
        return (
            f"{identity.email} ({identity.role}) may import registers but not confirm a project "
            "manager's week: only the project's manager or an EPMO admin may."
        )
    if rule == OWN and manager.strip().lower() != identity.email.strip().lower():
        return (
            f"{identity.email} ({identity.role}) may confirm only their own projects, not {manager}'s. "
            "Ask an EPMO admin to reassign the project to you."
        )
    return ""


def _rows(table: pa.Table) -> list[int | None]:
    return table.column("_row").to_pylist() if "_row" in table.column_names else [None] * table.num_rows


def _origins(table: pa.Table, file_name: str) -> list[tuple[str, str]]:
    """Each row's (file, sheet): kept in a table gathered from several (validate.typed_tables),
    else the upload's name (the caller places it: ingest._placed)."""
    if {"_file", "_sheet"} <= set(table.column_names):
        return list(zip(table.column("_file").to_pylist(), table.column("_sheet").to_pylist(), strict=True))
    return [(file_name, "")] * table.num_rows


def _outside_portfolios(
    identity: Identity, tables: dict[str, pa.Table], portfolios: dict[str, str], file_name: str
) -> list[Issue]:
    """The rows of an upload by a portfolio-scoped analyst that fall outside their portfolios.

    A project the store knows is in the portfolio of its latest report; a new one in the
    portfolio its projects row gives. A projects row may neither move a project out of the
    scope nor bring one in from outside it."""
    scope = set(identity.scope or ())
    yours = ", ".join(identity.scope or ()) or "none"
    given: dict[str, str] = {}  # a new project's portfolio, from the upload's projects rows
    projects = tables.get("projects")
    if projects is not None and {"project_id", "portfolio"} <= set(projects.column_names):
        for pid, portfolio in zip(
            projects.column("project_id").to_pylist(), projects.column("portfolio").to_pylist(), strict=True
        ):
            if pid is not None and portfolio is not None:
                given.setdefault(str(pid), str(portfolio))
    issues: list[Issue] = []

    def refuse(
        name: str, row: int | None, column: str, value: str, message: str, origin: tuple[str, str]
    ) -> None:
        issues.append(
            Issue(
                ERROR,
                "not_in_your_portfolios",
                f"{message} You ({identity.email}) may submit rows only for projects of your "
                f"portfolios ({yours}). Remove the row, or ask an EPMO admin to import it.",
                file=origin[0],
                sheet=origin[1],
                table=name,
                row=row,
                column=column,
                value=value,
            )
        )

    for name, table in tables.items():
        if table.num_rows == 0:
            continue
        rows, origins = _rows(table), _origins(table, file_name)
        if name == "capacity":
            refuse(
                name,
                rows[0],
                "team",
                "",
                f"Capacity is kept per team, not per portfolio ({table.num_rows:,} rows).",
                origins[0],
            )
            continue
        if "project_id" not in table.column_names:
            continue
        moved = (
            table.column("portfolio").to_pylist()
            if name == "projects" and "portfolio" in table.column_names
            else [None] * table.num_rows
        )
        for row, origin, pid, portfolio in zip(
            rows, origins, table.column("project_id").to_pylist(), moved, strict=True
        ):
            if pid is None:
                continue
            current = portfolios.get(str(pid))
            if current is not None and current not in scope:
                # the portfolio is not named: the analyst does not read it
                refuse(
                    name, row, "project_id", str(pid), f"{pid} belongs to a portfolio outside yours.", origin
                )
            elif portfolio is not None and portfolio not in scope:
                refuse(
                    name,
                    row,
                    "portfolio",
                    str(portfolio),
                    f"This row puts {pid} in the portfolio {portfolio}.",
                    origin,
                )
            elif current is None and portfolio is None and given.get(str(pid)) not in scope:
                where = given.get(str(pid))
                refuse(
                    name,
                    row,
                    "project_id",
                    str(pid),
                    f"{pid} is new and its projects row puts it in the portfolio {where}."
                    if where is not None
                    else f"{pid} is new, and this upload has no projects row saying its portfolio.",
                    origin,
                )
    return issues


# --------------------------------------------------------------------------- the access list


def _json_list(values: Any) -> str:
    return json.dumps(sorted({str(v).strip() for v in (values or ()) if str(v).strip()}))


def _event(
    store: Store, actor: Identity, event: str, email: str, role: str = "", **more: Any
) -> dict[str, Any]:
    row = {
        "event_at": clock.now(),
        "event": event,
        "email": email.strip().lower(),
        "role": role,
        "portfolios": _json_list(more.get("portfolios")),
        "teams": _json_list(more.get("teams")),
        "project_id": more.get("project_id") or "",
        "by_email": actor.email,
        "via": actor.via,
        "note": more.get("note") or "",
    }
    store.ensure()
    store._append("access", pa.Table.from_pylist([row], schema=ACCESS_SCHEMA))
    with audit.acting(actor):
        target = str(row["project_id"] or row["email"])
        audit.record(
            store,
            f"access {event}",
            target,
            {k: row[k] for k in ("email", "role", "portfolios", "teams", "note")},
        )
    return row


_USER_NAME = re.compile(r"[A-Za-z0-9._-]{1,64}")
_EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")


def _check_email(email: str) -> str:
    """An email address (plain ASCII: one @, a domain with a dot) or an operating-system
    user name. Look-alike letters (a Cyrillic о), invisible and direction characters, or
    fullwidth ones are refused: a grant must name the address the identity provider sends,
    and two entries that look the same must not exist."""
    email = email.strip()
    if len(email) > 254 or not (_EMAIL.fullmatch(email) or _USER_NAME.fullmatch(email)):
        odd = [c for c in email if not c.isascii() or not c.isprintable()]
        why = (
            f" (it holds {', '.join(f'U+{ord(c):04X}' for c in odd[:3])}: a look-alike, invisible or "
            "direction character; type the address again)"
            if odd
            else ""
        )
        raise ValueError(f"not an email address or user name: {email!r}{why}")
    return email


def _check_names(what: str, values: list[str] | tuple[str, ...]) -> list[str]:
    """Portfolio or team names of a grant: none blank (an unset shell variable gave '', which
    granted every portfolio)."""
    names = [str(v).strip() for v in values]
    if any(not n for n in names):
        raise ValueError(f"a blank {what} name: name each {what}, or give none for every {what}")
    return names


def grant(
    store: Store,
    actor: Identity,
    email: str,
    role: str,
    portfolios: list[str] | tuple[str, ...] = (),
    teams: list[str] | tuple[str, ...] = (),
    note: str = "",
) -> dict[str, Any]:
    """Give `email` a role (replacing any earlier grant); portfolios empty = every portfolio."""
    require(actor, "access")
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    portfolios, teams = _check_names("portfolio", portfolios), _check_names("team", teams)
    return _event(
        store, actor, "grant", _check_email(email), role, portfolios=portfolios, teams=teams, note=note
    )


def revoke(store: Store, actor: Identity, email: str, note: str = "") -> dict[str, Any]:
    require(actor, "access")
    email = email.strip()  # as listed: an entry granted before the address rules can be revoked
    if email.lower() not in {e["email"].lower() for e in access_list(store)}:
        raise ValueError(f"{email} has no access to revoke")
    return _event(store, actor, "revoke", email, note=note)


def assign_pm(store: Store, actor: Identity, project_id: str, email: str, note: str = "") -> dict[str, Any]:
    """Make `email` the project manager of `project_id` (until the next reassignment)."""
    require(actor, "access")
    if project_id not in project_managers(store):
        raise ValueError(f"no project {project_id!r} in the store")
    return _event(store, actor, "assign_pm", _check_email(email), "pm", project_id=project_id, note=note)


def _access_rows(store: Store, name: str) -> list[dict[str, Any]]:
    """A query over the access table alone (cheap: read on every page run to know who is who)."""
    uri = f"{store.uri}/access"
    if not DeltaTable.is_deltatable(uri, store.storage_options):
        return []
    files = tuple(DeltaTable(uri, storage_options=store.storage_options).file_uris())
    if not files:
        return []
    con = duckdb.connect()
    objectstore.attach(con, store.uri)  # an object store's files are read through its client
    try:
        con.execute(f"CREATE VIEW raw_access AS SELECT * FROM {_read_files(files)}")  # noqa: S608 (our own files)
        return sql.arrow(con, name).to_pylist()
    finally:
        con.close()


def known_portfolios(store: Store) -> list[str]:
    """Every portfolio a projects report has named (the portfolios a grant may name)."""
    if not store.exists():
        return []
    con = store.connect()
    try:
        return [str(p) for p in sql.arrow(con, "access/portfolios").column("portfolio").to_pylist() if p]
    finally:
        con.close()


def unknown_portfolios(store: Store, names: list[str] | tuple[str, ...]) -> list[str]:
    """The names of `names` no projects report has given as its portfolio (a mistyped grant
    gives an empty view without a word)."""
    known = set(known_portfolios(store))
    return [n for n in names if n.strip() and n.strip() not in known]


def access_version(store: Store) -> int:
    """The access table's version (-1: none yet): a cache key for the access list, read on
    every page run (on a local disk, from the names in its Delta log: no table load).

    On an object store, from the store's snapshot, which holds the access table's version
    and is reused for [objectstore] refresh_seconds (forgotten at once on this replica's own
    writes): a grant or revocation through another replica or the CLI applies within that
    bound, as every other change does. Asking the object store each time cost three
    requests a page run (about 60 ms each on the loopback S3 server), several per run."""
    if not store.is_local:
        return dict(store.snapshot().versions).get("access", -1)
    log = Path(f"{store.uri}/access".removeprefix("file://")) / "_delta_log"
    try:
        names = [n for n in os.listdir(log) if n.endswith(".json") and n[:-5].isdigit()]
    except FileNotFoundError:
        return -1
    return max((int(n[:-5]) for n in names), default=-1)


def access_list(store: Store) -> list[dict[str, Any]]:
    """Everyone with access in force: email, role, portfolios and teams (lists)."""
    out = []
    for r in _access_rows(store, "access/access_list"):
        r["portfolios"] = json.loads(r["portfolios"] or "[]")
        r["teams"] = json.loads(r["teams"] or "[]")
        out.append(r)
    return out


def access_entries(store: Store) -> list[dict[str, Any]]:
    """Everyone the access list names: those with access in force (access_list) and those
    whose latest event is a revocation (`revoked`: no role, whatever their groups map to)."""
    out = access_list(store)
    out += [r | {"revoked": True, "role": None} for r in _access_rows(store, "access/revoked")]
    return out


def access_history(store: Store) -> list[dict[str, Any]]:
    return _access_rows(store, "access/access_history")


# --------------------------------------------------------------------------- resolving


def auth_settings() -> AuthSettings:
    return current().auth


def auth_mode(signin_configured: bool, access_entries: int = 0) -> str:
    """demo, oidc or proxy: EPMO_AUTH, else settings [auth] mode; "auto" means oidc when an
    `[auth]` section exists in Streamlit's secrets, else demo. Demo mode is refused once
    sign-in is configured (it would silently make everyone admin), and "auto" does not fall
    back to it once the store has an access list."""
    mode = (os.environ.get("EPMO_AUTH") or auth_settings().mode).strip().lower()
    if mode not in MODES:
        raise AuthConfigError(f"EPMO_AUTH / [auth] mode must be one of {', '.join(MODES)}, not {mode!r}")
    if mode == "auto":
        if not signin_configured and access_entries:
            raise AuthConfigError(
                f"The store has an access list ({access_entries} people) but no sign-in is configured: "
                "add [auth] to .streamlit/secrets.toml (OIDC) or set EPMO_AUTH=proxy behind a trusted "
                "proxy (docs/security.md). The open demo mode would make everyone admin; set "
                "EPMO_AUTH=demo to ask for it outright."
            )
        return "oidc" if signin_configured else "demo"
    if mode == "demo" and signin_configured:
        raise AuthConfigError(
            "Sign-in is configured ([auth] in .streamlit/secrets.toml) but demo mode was asked for "
            "(EPMO_AUTH=demo): refusing to make everyone admin. Unset EPMO_AUTH, or remove [auth]."
        )
    if mode == "oidc" and not signin_configured:
        raise AuthConfigError(
            "EPMO_AUTH=oidc but .streamlit/secrets.toml has no [auth] section: see docs/security.md."
        )
    return mode


def resolve(
    store: Store,
    email: str,
    groups: list[str] | tuple[str, ...] = (),
    via: str = "app",
    mode: str = "oidc",
    name: str = "",
    entries: list[dict[str, Any]] | None = None,
) -> Identity:
    """The identity of a signed-in person: their access-list entry when they have one, else
    the role and portfolios their groups map to in settings [auth.group_roles] and
    [auth.group_portfolios], else no role (they see a page saying whom to ask)."""
    email = email.strip()
    entries = access_entries(store) if entries is None else entries
    found = next((e for e in entries if e["email"].lower() == email.lower()), None)
    if found is not None and found.get("revoked"):  # a revocation is a deny: groups do not reopen it
        return Identity(
            email=email, role=None, via=via, mode=mode, name=name, groups=tuple(groups), revoked=True
        )
    if found is not None:
        return Identity(
            email=email,
            role=found["role"],
            via=via,
            portfolios=tuple(found["portfolios"]) or None,
            teams=tuple(found["teams"]),
            mode=mode,
            name=name,
            groups=tuple(groups),
        )
    conf = auth_settings()
    group_roles = conf.group_roles
    group_portfolios = conf.group_portfolios
    roles = [group_roles[g] for g in groups if g in group_roles and group_roles[g] in ROLES]
    role = min(roles, key=ROLES.index) if roles else None  # the strongest role of their groups
    # that role over the portfolios of the groups that give it and of the groups that give
    # no role (a lesser role's group does not lend its portfolios to the stronger role)
    scoping = [g for g in groups if group_roles.get(g) == role or g not in group_roles]
    portfolios: list[str] = [p for g in scoping for p in group_portfolios.get(g, ())]
    return Identity(
        email=email,
        role=role,
        via=via,
        portfolios=tuple(sorted(set(portfolios))) or None,
        mode=mode,
        name=name,
        groups=tuple(groups),
    )


def proxy_user(
    mapping: dict[str, str], get_all: Callable[[str], list[str]], groups_key: str = "groups"
) -> tuple[str, list[str]]:
    """(email, groups) from the headers a trusted proxy sets (`server.trustedUserHeaders`:
    header -> key), read whole: Streamlit keeps only a repeated header's first copy, so a
    proxy that sends each group on a line of its own (oauth2-proxy) lost every group but the
    first, and with it the portfolios a group limits the person to. Every line of the groups
    header counts (each may list several, comma separated). An email header that arrives
    more than once is refused: the proxy added its own to a client's instead of replacing it."""
    emails = [v.strip() for h, k in mapping.items() if k == "email" for v in get_all(h) if v.strip()]
    if len(set(emails)) > 1 or len(emails) > 1:
        headers = ", ".join(h for h, k in mapping.items() if k == "email")
        raise AuthConfigError(
            f"The identity header {headers} arrived {len(emails)} times: the proxy must replace a "
            "client's copy of it, not add its own (docs/security.md, reverse proxy)."
        )
    groups = [
        g.strip()
        for h, k in mapping.items()
        if k == groups_key
        for v in get_all(h)
        for g in v.split(",")
        if g.strip()
    ]
    return (emails[0] if emails else ""), list(dict.fromkeys(groups))


def os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return os.environ.get("USER", "") or "unknown"


def cli_identity(store: Store, as_email: str | None) -> Identity:
    """The command line's identity. While the store's access list is empty (a first look, the
    demo): demo mode, everyone admin, recorded under `--as` or the operating-system user. Once
    it has entries: `--as EMAIL` applies that person's permissions, and without it the
    operating-system user has the role the access list gives that user name (else none).
    A `--as` that is not an email address or user name is refused (ValueError): in demo mode
    it was recorded as the uploader, 'a b@x' or '<b>' in the ledger and the audit trail."""
    who = _check_email(as_email) if as_email and as_email.strip() else os_user()  # ValueError: not an address
    entries = access_entries(store)
    if not entries:
        return Identity(email=who, role="admin", via="cli", mode="demo")
    return resolve(store, who, via="cli", mode="cli", entries=entries)
