"""SQL explorer: read-only SQL over the store (the as-of views for the sidebar's week and the
full history), the query library, a results table, a chart builder and downloads. Every
query runs in epmo.sandbox: a worker process with OS limits and its own locked-down DuckDB
connection, killed at the time limit; rows and bytes capped."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import streamlit as st

from app_pages import _shared as ui
from epmo import access, explorer_charts, sandbox
from epmo.safe_text import md
from epmo.store import Snapshot

SQL_KEY = "explorer_sql"
RESULT_KEY = "explorer_result"
RUN_NOW = "_explorer_run_now"
DEFAULTS_KEY = "_explorer_param_defaults"
EXAMPLE = (
    "-- The week picked in the sidebar: projects, milestones, raid, allocations, capacity,\n"
    "-- financials, project_health, uploads. Full history: raw_projects, ... raw_uploads.\n"
    "SELECT portfolio, rag_computed, count(*) AS project_count, sum(bac) AS bac\n"
    "FROM project_health\n"
    "GROUP BY ALL\n"
    "ORDER BY portfolio, rag_computed"
)


@st.cache_resource
def _library() -> dict[str, sandbox.LibraryQuery]:
    return {q.name: q for q in sandbox.library()}


@st.cache_data(max_entries=16, show_spinner=False)
def _schema(
    key: str, as_of: dt.date, withheld: frozenset[str], _snap: Snapshot, _identity: access.Identity
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The schema help, per snapshot, week and what the identity's explorer withholds."""
    return sandbox.schema(_snap, as_of, _identity), sandbox.table_macros(_snap, as_of, _identity)


def _plain(text: str) -> str:
    """Documentation text for st.markdown: a $ is a dollar, not the start of a formula."""
    return text.replace("$", "\\$")


def _param_key(name: str) -> str:
    return f"explorer_param_{name}"


def _load(name: str, run: bool) -> None:
    """Library -> editor (a callback: runs before the editor is drawn)."""
    q = _library()[name]
    st.session_state[SQL_KEY] = q.text
    defaults = sandbox.param_defaults(q.params, st.session_state.as_of, *_filters())
    for p, value in defaults.items():
        st.session_state[_param_key(p)] = value
    st.session_state[DEFAULTS_KEY] = st.session_state.get(DEFAULTS_KEY, {}) | defaults
    st.session_state[RUN_NOW] = run


def _filters() -> tuple[list[str], list[str]]:
    return list(st.session_state.get("portfolios", [])), list(st.session_state.get("programmes", []))


def _run(snap: Snapshot, text: str, as_of: dt.date, identity: access.Identity) -> None:
    try:
        params = {
            p: sandbox.parse_param(sandbox.param_kind(text, p), st.session_state.get(_param_key(p), ""), p)
            for p in sandbox.query_params(text)
        }
        with st.spinner("Running the query in the sandbox…"):
            st.session_state[RESULT_KEY] = sandbox.run(snap, text, as_of, params, identity=identity)
    except sandbox.ExplorerError as exc:
        st.session_state[RESULT_KEY] = str(exc)
    except Exception as exc:  # never a traceback on the page
        st.session_state[RESULT_KEY] = f"Unexpected error: {type(exc).__name__}: {exc}"


identity = ui.require("explore")
snap = ui.snapshot()
f = ui.sidebar(snap)
as_of = f.as_of
limits = sandbox.Limits.from_settings()
st.session_state.setdefault(SQL_KEY, EXAMPLE)
library = _library()

st.title("SQL explorer")
st.caption(
    f"Read-only SQL over the store. `projects`, `milestones`, `raid`, `allocations`, `capacity`, "
    f"`financials`, `project_health` and `uploads` show the week of {as_of:%d %b %Y} (sidebar); "
    "`raw_*` hold the full history and `projects_as_of(DATE '…')` any other week. Each query runs "
    f"in its own sandbox process: no files, network, extensions or settings; stopped after "
    f"{limits.time_limit_s:g} s; at most {limits.row_cap:,} rows and {sandbox.mb(limits.result_bytes)} shown."
)
if withheld := access.explorer_withheld(identity):
    st.caption(
        "The access list and the audit trail are an admin's: here "
        + " and ".join(
            {
                "access": "`raw_access` holds only each project's assigned manager",
                "audit": "`raw_audit` is empty",
            }[t]
            for t in sorted(withheld)
        )
        + "."
    )
sandbox.prewarm()  # a worker process started before the first Run

editor, side = st.columns([3, 2], gap="large")

with side:
    st.subheader("Query library")
    names = list(library)
    chosen = st.selectbox(
        "Query file",
        names,
        index=None,
        key="explorer_library",
        placeholder=f"Any of the {len(names)} files in queries/…",
        format_func=lambda n: n + ("" if library[n].runnable else f"  ({library[n].kind})"),
    )
    if chosen:
        q = library[chosen]
        if q.grain:
            st.markdown(f"**Grain:** {_plain(q.grain)}")
        if q.description:
            st.caption(_plain(q.description))
        if q.params:
            st.markdown(
                "**Parameters:** "
                + ", ".join(f"`${p}` ({sandbox.param_kind(q.text, p)})" for p in q.params)
                + (f" — {_plain(q.params_doc)}" if q.params_doc else "")
            )
        if q.note():
            st.info(q.note())
        row = st.container(horizontal=True)
        row.button("Open in editor", key="library_open", on_click=_load, args=(chosen, False))
        row.button(
            "Run",
            key="library_run",
            type="primary",
            on_click=_load,
            args=(chosen, True),
            disabled=not q.runnable,
            icon=":material/play_arrow:",
        )
        ui.show_sql(chosen)
    with st.expander("Tables, views and macros", icon=":material/table_view:"):
        try:
            columns, macros = _schema(snap.key, as_of, access.explorer_withheld(identity), snap, identity)
        except sandbox.ExplorerError as exc:
            st.error(str(exc))
        else:
            tables = columns["table_name"].drop_duplicates().tolist()
            pick = st.selectbox("Table or view", tables, key="schema_table")
            ui.table(
                columns[columns["table_name"] == pick][["object_group", "column_name", "data_type"]],
                height=240,
                key="schema_columns",
            )
            st.caption("Table macros (any week): " + ", ".join(f"`{u}`" for u in macros["usage"]))
            ui.show_sql("explorer/schema")

with editor:
    text = st.text_area(
        "SQL (one SELECT; $name marks a parameter)",
        key=SQL_KEY,
        height=200,
        max_chars=sandbox.MAX_QUERY_CHARS,
        help="SELECT, WITH … SELECT, FROM-first, VALUES, DESCRIBE, SUMMARIZE and SHOW run. "
        "Anything that writes, reads files or changes settings is refused.",
    )
    text = text or ""
    params = sandbox.query_params(text)
    if params:
        defaults = sandbox.param_defaults(params, as_of, f.portfolios, f.programmes)
        st.caption("Parameters: lists are comma-separated (blank = all), dates YYYY-MM-DD.")
        grid = st.columns(min(len(params), 3))
        shown = st.session_state.get(DEFAULTS_KEY, {})
        for p in params:  # inputs still at their default follow the sidebar (week, filters)
            if _param_key(p) not in st.session_state or st.session_state[_param_key(p)] == shown.get(p):
                st.session_state[_param_key(p)] = defaults[p]
        st.session_state[DEFAULTS_KEY] = shown | defaults
        for i, p in enumerate(params):
            grid[i % len(grid)].text_input(
                f"${p}", key=_param_key(p), help=f"Parsed as a {sandbox.param_kind(text, p)}."
            )
    clicked = st.button("Run", key="explorer_run", type="primary", icon=":material/play_arrow:")
    if clicked or st.session_state.pop(RUN_NOW, False):
        _run(snap, text, as_of, identity)
    result: Any = st.session_state.get(RESULT_KEY)
    if isinstance(result, str):  # a refusal or an error, said beside the editor
        st.error(md(result), icon=":material/block:")

if isinstance(result, sandbox.Result):
    frame = result.frame
    st.subheader("Result")
    st.caption(
        f"{len(frame):,} rows · {len(frame.columns)} columns · {result.seconds:.2f} s · "
        f"as of the week of {result.as_of:%d %b %Y}"
    )
    if result.notice:  # cut at the row cap or the result size cap
        st.warning(result.notice)
    st.dataframe(frame, hide_index=True, key="explorer_table", height=min(420, 38 + 35 * max(len(frame), 1)))
    ui.downloads(frame, f"explorer_{result.as_of}", "explorer")
    numeric = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c]) and frame[c].dtype != bool]
    if numeric and len(frame.columns) >= 2:
        st.subheader("Chart")
        cols = st.columns([2, 2, 2, 3])
        x = cols[0].selectbox("x", list(frame.columns), key="chart_x")
        y_options = [c for c in numeric if c != x] or numeric
        y = cols[1].selectbox("y", y_options, index=len(y_options) - 1, key="chart_y")
        others = [c for c in frame.columns if c not in (x, y)]
        colour = cols[2].selectbox("Colour", others, index=None, key="chart_colour", placeholder="None")
        kind = (
            cols[3].segmented_control(
                "Chart type", list(explorer_charts.CHART_TYPES), default="bar", key="chart_type"
            )
            or "bar"
        )
        try:
            ui.chart(explorer_charts.result_chart(frame, x, y, colour, kind), "explorer_chart")
        except explorer_charts.ChartError as exc:
            st.info(md(exc))
    elif len(frame):
        st.caption("Chart: the result needs a number column and one more column.")
