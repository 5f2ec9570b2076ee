"""What changed between two snapshots: RAG flips, slips, budget and EAC, risks, projects
new to the portfolio and projects that stopped reporting."""

import streamlit as st

from app_pages import _shared as ui
from epmo import charts, labels
from epmo.pagedata import portfolio as pages

snap = ui.snapshot()
f = ui.sidebar(snap)
st.title("What changed")

# the widgets' values are read before they are drawn: the data call decides their choices
data = ui.page(
    pages.changes,
    snap,
    f,
    since=st.session_state.get("since"),
    kinds=tuple(st.session_state.get("change_kinds") or ()),
    min_days=int(st.session_state.get("min_days") or 0),
)
if data.since not in data.weeks:  # a week chosen before the as-of week moved
    st.session_state.pop("since", None)
    st.rerun()
since = st.selectbox(
    "Compared with the snapshot as of",
    data.weeks,
    index=data.weeks.index(data.since),
    key="since",
    format_func=lambda d: f"{d:%a %d %b %Y}" + (" (a week before)" if d == f.previous else ""),
)
st.caption(f"Changes from the portfolio as of {since:%d %b %Y} to the portfolio as of {f.as_of:%d %b %Y}.")

left, right = st.columns([2, 3])
with left:
    ui.chart(charts.change_counts(data.changes), "change_counts")
with right:
    st.multiselect(
        "Kinds of change",
        data.kinds,
        default=[],
        key="change_kinds",
        placeholder="All kinds",
        format_func=lambda k: labels.text("change_type", k),
    )
    st.number_input(
        "Hide date moves smaller than (days)",
        min_value=0,
        max_value=365,
        value=0,
        step=1,
        key="min_days",
        help="For forecast end and milestone changes only.",
    )
    shown = data.shown
    c = st.columns(3)
    c[0].metric("Changes shown", f"{len(shown):,}")
    c[1].metric("RAG got worse", len(data.worse))
    c[2].metric("Projects affected", shown["project_id"].nunique())

st.caption(
    "Click a row to open the project. Amount: days for dates (positive = later), money for "
    "budget and EAC, RAG steps (positive = worse)."
)
ui.project_table(shown, "changes", f.as_of, height=520)
ui.downloads(shown, f"changes_{since}_{f.as_of}", "changes")
ui.show_sql(data.sql["changes"])
