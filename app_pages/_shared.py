"""What every page shares: the store, the snapshot, the cached page-data call, the sidebar.

A page reads its widgets, asks `page(pagedata.<function>, snap, filters, ...)` for its data
(epmo/pagedata), then renders with the helpers here. No business logic here: it lives in
epmo/.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import functools
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

import duckdb
import pandas as pd
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx
from streamlit.runtime.scriptrunner_utils.script_run_context import in_cached_function

from epmo import access, audit, export, labels, measures, pagedata, safe_text, sql, swr
from epmo import store as store_module
from epmo.ingest import default_week
from epmo.pagedata import Filters
from epmo.safe_text import md
from epmo.settings import current as current_settings
from epmo.store import Snapshot, Store

T = TypeVar("T")


@st.cache_resource
def base_store() -> Store:
    """The whole store (the access list, the audit trail, the PM rules read it unscoped)."""
    return Store()


@st.cache_resource(max_entries=32)
def _scoped_store(scope: tuple[str, ...], manager: str | None) -> Store:
    return Store(base_store().uri, base_store().storage_options, scope=scope, manager=manager)


def store() -> Store:
    """The store as the signed-in identity may read it: a portfolio-scoped identity's
    snapshots and connections hold only its portfolios (epmo/store.py register_snapshot), so
    every query, export, frozen deck and pack a page makes through it is scoped. Writes
    through it are the same as through the whole store."""
    identity = current_identity()
    if identity.scope is None:
        return base_store()
    manager = None
    if access.reads_own_projects(identity):  # a scoped pm: their own projects too, if outside
        manager = access.read_manager(identity, project_owners())
    return _scoped_store(identity.scope, manager)


def project_owners() -> tuple[dict[str, str], dict[str, str]]:
    """(managers, portfolios) by project over the whole store (access.project_owners): what a
    pm manages and where it is, whatever they may read; read fresh after their own write."""
    base = base_store()
    wrote = (base.uri, current_identity().email) in _pending_writes()  # their own new project, at once
    return _owners(base.snapshot(fresh=wrote).key)


@st.cache_data(max_entries=4, show_spinner=False)
def _owners(whole_key: str) -> tuple[dict[str, str], dict[str, str]]:
    """Every project's manager and portfolio (access.project_owners), once per version of the
    whole store for every session: one query on a store connection of its own, not the
    shared whole-store connection, which a server of scoped users need never build."""
    return access.project_owners(base_store())


def stop_if_unreadable(exc: BaseException) -> None:
    """An object store that cannot be read (no such bucket, credentials refused, endpoint
    down): say so in words and stop the run; any other error passes (the caller re-raises)."""
    from epmo.store import read_failure

    cause = read_failure(exc, base_store().uri)
    if cause is None:
        return
    st.title("EPMO Portfolio Analytics")
    st.error(
        f"The portfolio store cannot be read: {cause}. Nothing was changed. Tell the EPMO's "
        "administrator; the page will work again once the store can be read.",
        icon=":material/cloud_off:",
    )
    st.stop()


def snapshot() -> Snapshot:
    """The snapshot this run shows, scoped as `store`: the store's current one when its
    connection is built; while a newer one builds (after an upload), the previous one, for
    at most [objectstore] stale_seconds, with a note saying so. Whoever wrote reads their
    own write: after a commit in a session, that user's next runs (in that session or
    another on this replica: a reload is a new session) get the snapshot after the write
    (built in that run if need be) and never an older one. The same snapshot for every
    call in one run."""
    ctx = get_script_run_ctx(suppress_warning=True)
    # this run: Streamlit makes a new coordinator object for every script run (a weak
    # reference, so no later run's object can be mistaken for it)
    run = ctx.parallel_coordinator if ctx is not None else None
    wrote = bool(st.session_state.pop(_WROTE, False))
    memo = st.session_state.get(_SERVED)
    if not wrote and run is not None and memo is not None and memo[0]() is run:
        return memo[1].snap  # type: ignore[no-any-return]
    identity = current_identity()
    st_ = store()
    pending = _pending_writes()
    if (st_.uri, identity.email) in pending:
        pending.discard((st_.uri, identity.email))
        wrote = True
    rebuilds = _rebuilds(*st_.view)
    try:
        current = st_.snapshot(fresh=wrote)
    except Exception as exc:
        stop_if_unreadable(exc)
        raise
    floors = _writer_floors()
    who = (*st_.view, identity.email)
    floor = _max_versions(st.session_state.get(_FLOOR), floors.get(who))
    served = None if wrote else rebuilds.serve(current)
    if served is None or (floor and not swr.versions_at_least(served.snap, floor)):
        rebuilds.get(current)
        served = swr.Served(current, None, _utcnow())
    if wrote:
        st.session_state[_FLOOR] = floors[who] = dict(current.versions)
    served = dataclasses.replace(served, value=None)  # the session keeps no connection alive
    st.session_state[_SERVED] = (weakref.ref(run) if run is not None else _dead, served)
    full_run = ctx is not None and not ctx.fragment_ids_this_run and not in_cached_function.get()
    drawn = st.session_state.get(_NOTE_RUN)
    if full_run and run is not None and not (drawn is not None and drawn() is run):
        st.session_state[_NOTE_RUN] = weakref.ref(run)
        # The note's place is kept on every run, shown or not: were it to come and go, every
        # element after it would move, and a moved widget is remounted by the browser (a
        # file being uploaded, an open drop-down list would be lost when the note goes).
        slot = st.container()
        if served.stale:
            with slot:
                _stale_note(served)
    return served.snap


def _max_versions(*floors: dict[str, int] | None) -> dict[str, int]:
    out: dict[str, int] = {}
    for floor in floors:
        for name, version in (floor or {}).items():
            out[name] = max(out.get(name, -1), version)
    return out


@st.cache_resource
def _writer_floors() -> dict[tuple[str, tuple[str, ...] | None, str | None, str], dict[str, int]]:
    """(store, scope, manager, email) -> the table versions that user's latest write produced here."""
    return {}


def served_stale() -> bool:
    """True when this run shows the previous version while a newer one builds."""
    snapshot()
    memo = st.session_state.get(_SERVED)
    return bool(memo is not None and memo[1].stale)


def current_snapshot() -> Snapshot:
    """The store's current snapshot, never an older one (its connection built in this run if
    need be): for a read that names a version explicitly (a deck link's cutoff)."""
    current = store().snapshot()
    connection(current)
    return current


# --------------------------------------------------------------------------- stale-while-revalidate
# After an upload every replica builds a new store connection and its pages' data for the new
# table versions (1-3 s on S3 under load). epmo.swr builds it once, in one background thread
# (then warms the page data the sessions asked for last), while every other session is served
# the previous version with a note; see docs/deployment.md (Freshness) for the bound.

_WROTE = "_epmo_wrote"  # set by a write through the store in this session (read your own write)
_FLOOR = "_epmo_floor"  # the table versions this session's own write produced: never shown older
_SERVED = "_epmo_served"
_NOTE_RUN = "_epmo_note_run"
_FILTERED = "_epmo_filtered"  # (this run, the sidebar's portfolios, programmes): download names


def _this_run() -> object | None:
    ctx = get_script_run_ctx(suppress_warning=True)
    return ctx.parallel_coordinator if ctx is not None else None


WARM_CALLS = 16  # the most recent distinct page-data calls replayed on a new version before it is served
WARM_SECONDS = 3.0  # ... for at most this long


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _dead() -> None:
    """A run reference that matches no run (outside a script run)."""
    return None


def _on_write(uri: str, table: str) -> None:
    """epmo.store calls this after each commit: a session's own write (in its script thread)
    is remembered so its next run reads it."""
    if table == "audit" or get_script_run_ctx(suppress_warning=True) is None:
        return  # the trail's page reads it unscoped and current (app_pages/audit.py)
    try:
        st.session_state[_WROTE] = True
        identity = st.session_state.get(IDENTITY)
    except Exception:  # noqa: BLE001  outside a session (a bare script): nothing to remember
        return
    if identity is not None:  # that user's next run in any session reads it too (a reload,
        _pending_writes().add((uri, identity.email))  # a link opened after the save)


@st.cache_resource
def _pending_writes() -> set[tuple[str, str]]:
    """(store URI, email): a write by that user on this replica that no run of theirs has read
    yet. The session that wrote may never run again (the user opens another page by its
    address: a new session), so the next run of that user in any session reads it."""
    return set()


store_module.add_write_listener(_on_write)


class _Recent:
    """The most recent distinct cached calls (page data, the sidebar), to replay on a new
    snapshot in the rebuild thread before it is served."""

    def __init__(self, size: int = WARM_CALLS):
        self._calls: collections.OrderedDict[str, Callable[[Snapshot], Any]] = collections.OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def note(self, key: str, call: Callable[[Snapshot], Any]) -> None:
        with self._lock:
            self._calls[key] = call
            self._calls.move_to_end(key)
            while len(self._calls) > self._size:
                self._calls.popitem(last=False)

    def calls(self) -> list[Callable[[Snapshot], Any]]:
        with self._lock:
            return list(reversed(self._calls.values()))


@st.cache_resource(max_entries=32)
def _rebuilds(
    uri: str, scope: tuple[str, ...] | None, manager: str | None
) -> swr.Rebuilds[duckdb.DuckDBPyConnection]:
    """The connections of one view of the store: its scope and, for a pm, whose own projects
    (a snapshot of another view is never served for this one, not even while it builds)."""
    recent = _Recent()
    target = base_store()

    def warm(snap: Snapshot, _con: duckdb.DuckDBPyConnection) -> None:
        end = time.monotonic() + WARM_SECONDS
        for call in recent.calls():
            if time.monotonic() > end:
                break  # the rest is computed when asked for: the new data is not held back for it
            call(snap)

    rebuilds: swr.Rebuilds[duckdb.DuckDBPyConnection] = swr.Rebuilds(
        functools.partial(target.connect, threaded=True),  # the sessions' threads query it at once
        warm,
        keep=4,
        stale_seconds=float(current_settings().objectstore.stale_seconds),
    )
    rebuilds.recent = recent  # type: ignore[attr-defined]
    return rebuilds


def _remember(snap: Snapshot, key: str, call: Callable[[Snapshot], Any]) -> None:
    _rebuilds(*snap.view).recent.note(key, call)  # type: ignore[attr-defined]


@st.fragment(run_every=2)
def _stale_note(served: swr.Served[Any]) -> None:
    """Says the page shows older data, and reruns the page once the newer data is ready
    (checked every 2 s by the browser while the note is shown)."""
    assert served.newer is not None
    rebuilds = _rebuilds(*served.newer.view)
    shown = st.session_state.get(_SERVED)
    if rebuilds.is_ready(served.newer) and shown is not None and shown[1] == served:
        st.rerun(scope="app")
    ledger = dict(served.snap.versions).get("uploads", -1)
    newer = dict(served.newer.versions).get("uploads", -1)
    st.caption(
        f":material/history: Showing the data as read at {served.read_at:%H:%M:%S} UTC (ledger version "
        f"{ledger}); newer data (version {newer}) is loading and this page refreshes when it is ready."
    )


# --------------------------------------------------------------------------- identity

IDENTITY = "_epmo_identity"


def _signin_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets.toml at all  # noqa: BLE001
        return False


@st.cache_data(max_entries=16, show_spinner=False)
def _access_entries(uri: str, version: int) -> list[dict[str, Any]]:
    return access.access_entries(base_store())


def _resolve_identity() -> access.Identity:
    """Who is using this session (epmo/access.py); stops the run with a message when no one is
    (the sign-in screen) or sign-in is misconfigured."""
    entries = _access_entries(base_store().uri, access.access_version(base_store()))
    try:
        mode = access.auth_mode(_signin_configured(), len(entries))
    except access.AuthConfigError as exc:
        st.error(safe_text.md(str(exc)))
        st.stop()
    if mode == "demo":
        return access.demo_identity()
    user = dict(st.user.to_dict())
    conf = access.auth_settings()
    if mode == "oidc" and not user.get("is_logged_in"):
        _signin_screen(conf.provider)
    if mode == "proxy":  # the headers themselves, read whole (st.user keeps a header's first copy)
        mapping = st.get_option("server.trustedUserHeaders")
        try:
            email, groups = access.proxy_user(
                dict(mapping) if isinstance(mapping, dict) else {},
                st.context.headers.get_all,
                conf.groups_claim or "groups",
            )
        except access.AuthConfigError as exc:
            st.error(safe_text.md(str(exc)))
            st.stop()
        # no header at all: st.user's (the same headers in a deployment; AppTest sets st.user)
        user = user | ({"email": email, conf.groups_claim or "groups": groups} if email else {})
    email = str(user.get("email") or "").strip()
    if not email:
        st.error(
            "No identity reached the app: in proxy mode the reverse proxy must send the user's email "
            "in the header named by server.trustedUserHeaders (docs/security.md)."
            if mode == "proxy"
            else "The identity provider sent no email claim: add the email scope (docs/security.md)."
        )
        st.stop()
    groups = user.get(conf.groups_claim or "groups") or []
    if isinstance(groups, str):
        groups = [g.strip() for g in groups.split(",") if g.strip()]
    return access.resolve(
        base_store(),
        email,
        list(groups),
        via="app",
        mode=mode,
        name=str(user.get("name") or ""),
        entries=entries,
    )


def _signin_screen(provider: str) -> None:
    st.title("EPMO Portfolio Analytics")
    st.write("Sign in with your organisation's account to continue.")
    st.button(
        "Sign in", key="signin", type="primary", on_click=st.login, args=(provider,) if provider else ()
    )
    st.stop()


def current_identity() -> access.Identity:
    """The acting identity, resolved on every call (cheap: the access list is cached on its
    table's version), so a widget callback, which runs before app.py, never acts under an
    earlier run's identity (a revocation applies at once)."""
    return refresh_identity()


def refresh_identity() -> access.Identity:
    identity = _resolve_identity()
    st.session_state[IDENTITY] = identity
    audit.set_actor(identity)  # the store's writes in this run are audited under it
    return identity


def allowed(action: str) -> bool:
    return access.allowed(current_identity(), action)


def require(action: str) -> access.Identity:
    """The identity, when it may do `action`; otherwise the page says why and stops."""
    identity = current_identity()
    try:
        access.require(identity, action)
    except access.Forbidden as exc:
        st.error(safe_text.md(str(exc)))
        st.stop()
    return identity


def connection(snap: Snapshot) -> duckdb.DuckDBPyConnection:
    """The shared store connection over `snap` (built once per snapshot, one build at a time;
    the last four kept: epmo.swr)."""
    return _rebuilds(*snap.view).get(snap)


@st.cache_data(max_entries=256, show_spinner=False)
def _page(
    name: str, key: str, filters: str, params: str, _func: Any, _snap: Snapshot, _f: Filters, _params: Any
) -> Any:
    return _func(connection(_snap), _f, **_params)


class _NotComputedYet(Exception):
    """Not in the cache yet (st.cache_data stores nothing when its function raises)."""


@st.cache_data(max_entries=64, show_spinner=False)
def _page_done(name: str, key: str, filters: str, params: str, _value: Any) -> Any:
    if _value is None:
        raise _NotComputedYet
    return _value


def page_live(
    func: Callable[..., T],
    snap: Snapshot,
    f: Filters,
    /,
    callbacks: dict[str, Callable[..., Any]],
    started: Callable[[], None] | None = None,
    **params: Any,
) -> T:
    """page() for a long computation the page shows as it goes (the efficient frontier):
    the same key; on a miss `started()`, then the page-data function runs here, outside
    the cache (elements drawn from a cached function would be replayed), with `callbacks`
    as extra keyword arguments, and its result is cached. Nothing is cached when it raises
    (the user left the page: Streamlit raises in the next callback that draws)."""
    name = f"{func.__module__}.{func.__qualname__}"
    frozen = repr(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in params.items()))
    try:
        return _page_done(name, snap.key, repr(f), frozen, None)  # type: ignore[no-any-return]
    except _NotComputedYet:
        pass
    if started is not None:
        started()
    value = func(connection(snap), f, **callbacks, **params)
    return _page_done(name, snap.key, repr(f), frozen, value)  # type: ignore[no-any-return]


def page(func: Callable[..., T], snap: Snapshot, f: Filters, /, spinner: str = "", **params: Any) -> T:
    """A page-data function's result (epmo.pagedata), cached on (function, store version,
    Filters, extra parameters): the one way a page asks for its data."""
    name = f"{func.__module__}.{func.__qualname__}"
    frozen = repr(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in params.items()))
    # Shared by every session whoever asks: what an identity may see is the snapshot's scope,
    # which is in snap.key; the identity itself is no part of the key (it made each signed-in
    # user's runs recompute every page's data for themselves) and is not handed to the
    # page-data function, so no result can depend on who asked first.
    f = dataclasses.replace(f, identity=None)
    fr = repr(f)
    _remember(
        snap, f"page|{name}|{fr}|{frozen}", lambda s: _page(name, s.key, fr, frozen, func, s, f, params)
    )
    if spinner:
        with st.spinner(spinner):
            return _page(name, snap.key, repr(f), frozen, func, snap, f, params)  # type: ignore[no-any-return]
    return _page(name, snap.key, repr(f), frozen, func, snap, f, params)  # type: ignore[no-any-return]


@st.cache_data(max_entries=64, show_spinner=False)
def _sidebar(key: str, as_of: dt.date | None, _snap: Snapshot) -> Any:
    con = connection(_snap)
    if as_of is None:
        return pagedata.ledger.weeks(con)
    return pagedata.ledger.sidebar(con, as_of)


def active_stages() -> str:
    """The stages expected to report, in words ("Initiation, Planning, Execution or Closing"),
    for help texts (settings [health] active_stages; never the setting's name)."""
    stages = list(current_settings().health.active_stages)
    return ", ".join(stages[:-1]) + (" or " if len(stages) > 1 else "") + stages[-1] if stages else "none"


def reporting_weeks(snap: Snapshot) -> list[dt.date]:
    _remember(snap, "sidebar|", lambda s: _sidebar(s.key, None, s))
    return _sidebar(snap.key, None, snap)  # type: ignore[no-any-return]


def _param_list(key: str) -> list[str]:
    return [v for v in st.query_params.get_all(key) if v]


# The sidebar's last week and filters, under a key no widget has: Streamlit drops a page's
# widget state when the person opens another page, so the week and the portfolios chosen on
# Home were back to their defaults on Portfolio health (an analyst compared 04 Sep on one
# page with 27 Nov on the next). A link's own parameters still win.
_KEPT = "_sidebar_kept"
PAGE_KEY = "_page_shown"  # the page this run shows (app.py sets it)


def sidebar(snap: Snapshot) -> Filters:
    """As-of week and portfolio/programme filters, mirrored in the URL query parameters and
    kept from page to page (_KEPT)."""
    weeks = reporting_weeks(snap)
    opening_week = default_week(weeks)
    kept: dict[str, Any] = st.session_state.get(_KEPT, {})
    arrived = kept.get("page") != st.session_state.get(PAGE_KEY)  # the first run on this page
    if arrived and "as_of" in kept and not st.query_params.get("as_of"):
        st.session_state.as_of = kept["as_of"]  # the week of the page before, this session
    elif arrived or "as_of" not in st.session_state:
        from epmo.ingest import as_of_problem

        given = st.query_params.get("as_of", "")
        try:
            st.session_state.as_of = dt.date.fromisoformat(given)
        except ValueError:
            st.session_state.as_of = opening_week
        else:
            if as_of_problem(st.session_state.as_of):  # 9999-12-31: every page said "nothing reported"
                st.session_state.as_of = opening_week
                st.sidebar.warning(
                    f"The link's week ({given[:10]}) is out of range: showing {opening_week:%d %b %Y}.",
                    icon=":material/event_busy:",
                )
    options = sorted(set(weeks) | {st.session_state.as_of}, reverse=True)
    as_of = st.sidebar.selectbox(
        "As-of week",
        options,
        key="as_of",
        format_func=lambda d: f"{d:%a %d %b %Y}",
        help="The portfolio as it was reported for this week (each project's latest report on or before it).",
    )
    _remember(snap, f"sidebar|{as_of}", lambda s: _sidebar(s.key, as_of, s))
    choices: pagedata.ledger.SidebarData = _sidebar(snap.key, as_of, snap)
    portfolios = choices.portfolios
    if arrived or "portfolios" not in st.session_state:
        given_pf = _param_list("portfolio") or kept.get("portfolios", [])
        st.session_state.portfolios = [p for p in given_pf if p in portfolios]
    chosen_pf = st.sidebar.multiselect(
        "Portfolio", portfolios, key="portfolios", placeholder="All portfolios"
    )
    programmes = choices.programmes(list(chosen_pf))
    if arrived or "programmes" not in st.session_state:
        given_pg = _param_list("programme") or kept.get("programmes", [])
        st.session_state.programmes = [p for p in given_pg if p in programmes]
    st.session_state.programmes = [p for p in st.session_state.programmes if p in programmes]
    chosen_pg = st.sidebar.multiselect(
        "Programme", programmes, key="programmes", placeholder="All programmes"
    )
    st.query_params["as_of"] = as_of.isoformat()
    st.query_params["portfolio"] = chosen_pf
    st.query_params["programme"] = chosen_pg
    st.session_state[_KEPT] = {
        "as_of": as_of,
        "portfolios": list(chosen_pf),
        "programmes": list(chosen_pg),
        "page": st.session_state.get(PAGE_KEY),
    }
    run = _this_run()
    st.session_state[_FILTERED] = (weakref.ref(run) if run is not None else _dead, chosen_pf, chosen_pg)
    return Filters(as_of, tuple(chosen_pf), tuple(chosen_pg), identity=current_identity())


def scope_text(f: Filters) -> str:
    """' · portfolio A, B' or ' · all portfolios', for a caption (names escaped)."""
    return f" · {', '.join(md(p) for p in f.portfolios)}" if f.portfolios else " · all portfolios"


def metric_columns(n: int, width: int = 160) -> list[Any]:
    """n places for headline metrics, side by side while they fit and wrapped onto the next
    line when the window is narrow: a metric never shrinks until its number reads "387.…"."""
    row = st.container(horizontal=True, wrap=True, gap="small")
    return [row.container(width=width) for _ in range(n)]


def sql_label(name: str, what: str | None = None) -> str:
    """The expander's label names the element whose SQL it shows (the page's table or
    chart, else the query's own name in words), so two of them never read alike."""
    return f"Show SQL: {what or labels.label(name.rpartition('/')[2])}"


def show_sql(name: str, key: str | None = None, what: str | None = None) -> None:
    """The SQL behind a figure, built only when the expander is opened (it reruns): the
    query text and the code highlighter stay off the first screen of every page."""
    box = st.expander(sql_label(name, what), key=f"show_sql_{key or name}", on_change="rerun")
    with box:
        if box.open:
            q = sql.query(name)
            st.caption(f"queries/{name}.sql · " + (q.description or ""))
            st.code(q.text, language="sql")


def downloads(frame: pd.DataFrame, stem: str, key: str) -> None:
    """CSV and XLSX buttons for a frame. The files are built when a button is clicked, not on
    every run: building the XLSX files eagerly cost Portfolio health 2.6 s per run. The file
    name says the sidebar's filters (export.file_stem), so a download read later says what
    it holds."""
    filtered = st.session_state.get(_FILTERED)
    if filtered is not None and filtered[0]() is _this_run() is not None:  # this page's own sidebar
        stem = export.file_stem(stem, filtered[1], filtered[2])
    row = st.container(horizontal=True)
    row.download_button(
        "CSV",
        lambda: export.to_csv_bytes(frame),
        f"{stem}.csv",
        "text/csv",
        key=f"{key}_csv",
        icon=":material/download:",
        width="content",
        on_click="ignore",
    )
    row.download_button(
        "XLSX",
        lambda: export.to_xlsx_bytes(frame),
        f"{stem}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"{key}_xlsx",
        icon=":material/download:",
        width="content",
        on_click="ignore",
    )


PROJECT_PAGE = "app_pages/project.py"
# Typed dates read day first, as the app shows them (27 Nov 2026) and reads uploads
# (settings [ingest] date_order "dmy"); Streamlit's default is YYYY/MM/DD.
DATE_INPUT_FORMAT = "DD/MM/YYYY"
MONEY_FORMAT = "compact"  # 36M, 304K, 1.3K: the style of measures.money_text, which the rest writes
_NUMBER_FORMATS = {
    "money": MONEY_FORMAT,
    "ratio": "%.2f",
    "days": "%,d",  # 14,054, not 14054
    "count": "%,d",
    "hours": "%,.0f",
    "percent": "%.1f%%",
}


# momentJS; labels.text writes the same for decks, sentences and packs ("05 Mar 2026")
DATE_FORMAT = "DD MMM YYYY"
_MOMENT_FORMAT = "DD MMM YYYY HH:mm [UTC]"


def measure_columns(frame: pd.DataFrame) -> dict[str, Any]:
    """Column labels, help and formats for a frame's columns: measures from epmo.measures, the
    rest from epmo.labels (never a snake_case name, never 300100.0)."""
    config: dict[str, Any] = {}
    for col in frame.columns:
        if pd.api.types.is_datetime64_any_dtype(frame[col]) and str(col).endswith("_at"):
            # a moment (committed_at, event_at): day and time in UTC, "30 Nov 2026 13:45 UTC"
            config[col] = st.column_config.DatetimeColumn(
                labels.label(col), format=_MOMENT_FORMAT, timezone="UTC"
            )
            continue
        if pd.api.types.is_datetime64_any_dtype(frame[col]):
            config[col] = st.column_config.DateColumn(labels.label(col), format=DATE_FORMAT)
            continue
        if col in labels.MONEY and pd.api.types.is_numeric_dtype(frame[col]):
            config[col] = st.column_config.NumberColumn(labels.label(col), format=_NUMBER_FORMATS["money"])
            continue
        if col not in measures.MEASURES:
            if pd.api.types.is_bool_dtype(frame[col]):
                config[col] = st.column_config.CheckboxColumn(labels.label(col))
            elif pd.api.types.is_float_dtype(frame[col]):
                config[col] = st.column_config.NumberColumn(labels.label(col), format="localized")
            else:
                config[col] = labels.label(col)
            continue
        m = measures.MEASURES[col]
        help_ = f"{m.description} Formula: {m.formula}."
        if m.format in _NUMBER_FORMATS:
            config[col] = st.column_config.NumberColumn(m.label, help=help_, format=_NUMBER_FORMATS[m.format])
        elif m.format == "flag":
            config[col] = st.column_config.CheckboxColumn(m.label, help=help_)
        else:
            config[col] = st.column_config.TextColumn(m.label, help=help_)
    return config


def readable(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame as shown: text columns with blanks instead of None, our codes in words
    (epmo.labels.VALUE_LABELS) and our JSON objects as pairs (epmo.labels.JSON_OBJECTS)."""
    out = frame.copy()
    for col in out.columns:
        if col in labels.VALUE_LABELS or col in labels.JSON_OBJECTS:  # codes of ours, in words
            out[col] = out[col].map(lambda v, c=col: labels.text(c, v))
        elif out[col].dtype == object:
            out[col] = out[col].map(lambda v: "" if labels.is_blank(v) else v)
    return out


def table(
    frame: pd.DataFrame,
    key: str | None = None,
    column_config: dict[str, Any] | None = None,
    height: int | str = "auto",
    **kwargs: Any,
) -> Any:
    """The one way a page shows a table: labelled columns (epmo.labels), readable values;
    `column_config` overrides the labels of some columns. A missing value is an empty cell,
    not the word "None" (Streamlit's default, in grey, for numbers and dates as well).
    A plain string in `column_config` relabels a column and keeps its format (a date stays
    "13 Nov 2026", not "2026-11-13 00:00:00"). Rows of health/changes read as words
    (epmo.labels.changes_text: dates, money, the amount with its unit)."""
    frame = labels.changes_text(frame)
    config = measure_columns(frame)
    for col, given in (column_config or {}).items():
        kept = config.get(col)
        config[col] = {**kept, "label": given} if isinstance(given, str) and isinstance(kept, dict) else given
    return st.dataframe(
        readable(frame),
        key=key,
        hide_index=True,
        column_config=config,
        height=height,  # type: ignore[arg-type]
        placeholder="",
        **kwargs,
    )


TEXT_TABLE = '<div class="epmo-text-table"'  # the start of every text_table's body
_TEXT_TABLE_CSS = """<style>
.epmo-text-table { overflow: auto; border: 1px solid rgba(49, 51, 63, 0.2); border-radius: 0.5rem; }
.epmo-text-table table { border-collapse: collapse; width: 100%; font-size: 14px; line-height: 1.35; }
.epmo-text-table th { position: sticky; top: 0; background: #f0f2f6; font-weight: 600; z-index: 1; }
.epmo-text-table th, .epmo-text-table td { text-align: left; padding: 6px 8px; vertical-align: top;
  border-bottom: 1px solid rgba(49, 51, 63, 0.1); white-space: nowrap; }
.epmo-text-table td.long { white-space: normal; min-width: 6em; overflow-wrap: anywhere; }
.epmo-text-table td.long:last-child { min-width: 14em; }
</style>"""
TEXT_TABLE_ROWS = 500  # rows a text_table shows; the downloads hold every row


def text_table(frame: pd.DataFrame, labels_: dict[str, str], max_height: int = 560) -> None:
    """A table of sentences that must be read whole (a validation report's problems): an HTML
    table whose long cells wrap, where a grid cuts them at the column's edge. Every header and
    cell is escaped (epmo.pack.table_html: text shown as text); the first TEXT_TABLE_ROWS rows,
    scrolling within `max_height` pixels under a sticky header. `labels_` names the columns
    shown, in order."""
    from epmo import pack

    shown = frame[list(labels_)].head(TEXT_TABLE_ROWS).rename(columns=labels_)
    shown = shown.astype(object).where(shown.notna(), "")
    st.html(_TEXT_TABLE_CSS)
    st.html(f'{TEXT_TABLE} style="max-height: {int(max_height)}px">{pack.table_html(shown)}</div>')
    if len(frame) > TEXT_TABLE_ROWS:
        st.caption(f"The first {TEXT_TABLE_ROWS:,} of {len(frame):,} rows; the downloads hold them all.")


OPEN_PROJECT = "_open_project"


def open_project(project_id: str, as_of: dt.date) -> None:
    st.session_state[OPEN_PROJECT] = project_id
    st.switch_page(PROJECT_PAGE, query_params={"project": project_id, "as_of": as_of.isoformat()})


def project_table(
    frame: pd.DataFrame,
    key: str,
    as_of: dt.date,
    columns: list[str] | None = None,
    height: int | str = "auto",
    column_config: dict[str, Any] | None = None,
) -> None:
    """A table of projects; clicking a row opens that project's page. A `height` in pixels
    is the most it takes: seven rows in 420 px left four empty rows under them."""
    shown = frame[columns] if columns else frame
    if isinstance(height, int):
        height = min(height, 38 + 35 * len(shown))  # the header and each row's 35 px
    event = table(
        shown,
        key=key,
        height=height,
        column_config=column_config,
        on_select="rerun",
        selection_mode="single-row",
    )
    rows = event.selection.rows if event is not None else []
    if rows:
        open_project(str(frame.iloc[rows[0]]["project_id"]), as_of)


def chart(
    fig: Any,
    key: str,
    as_of: dt.date | None = None,
    clickable: bool = False,
    select: bool = False,
    theme: str | None = "streamlit",
) -> Any:
    """The one way a page shows a plotly chart: every label of the figure is escaped first
    (epmo.safe_text.figure), so uploaded text shows as text, never as a link or markup.

    clickable: clicking a point whose customdata starts with a project_id opens that
    project's page. select: the selection event is returned for the page to read (values
    read from it go through safe_text.unplotly)."""
    safe = safe_text.figure(fig)
    if not (clickable and as_of is not None) and not select:
        st.plotly_chart(safe, key=key, theme=theme)  # type: ignore[arg-type]
        return None
    event = st.plotly_chart(safe, key=key, theme=theme, on_select="rerun", selection_mode="points")  # type: ignore[arg-type]
    if not clickable or as_of is None:
        return event
    points = event.selection.points if event is not None else []
    for point in points:
        custom = point.get("customdata")
        pid = safe_text.unplotly(custom[0] if isinstance(custom, list) and custom else custom)
        if isinstance(pid, str) and pid:
            open_project(pid, as_of)
    return event
