"""What changed between two snapshots: RAG flips, slips, budget and EAC, risks, projects
new to the portfolio and projects that stopped reporting."""

import streamlit as st

from app_pages import _shared as ui
from epmo import charts, health

snap = ui.snapshot()
f = ui.sidebar(snap)
as_of = f["as_of"]
scope = {"portfolios": f["portfolios"], "programmes": f["programmes"]}
st.title("What changed")

earlier = [w for w in ui.reporting_weeks(snap) if w < as_of]
default = health.previous_week(as_of)
options = sorted(set(earlier) | {default}, reverse=True)
since = st.selectbox(
    "Compared with the snapshot as of",
    options,
    index=options.index(default),
    key="since",
    format_func=lambda d: f"{d:%a %d %b %Y}" + (" (a week before)" if d == default else ""),
)
st.caption(f"Changes from the portfolio as of {since:%d %b %Y} to the portfolio as of {as_of:%d %b %Y}.")

changes = ui.query(snap, "health/changes", as_of=as_of, since=since, **scope)
kinds = sorted(changes["change_type"].unique().tolist())
left, right = st.columns([2, 3])
with left:
    ui.chart(charts.change_counts(changes), "change_counts")
with right:
    chosen = st.multiselect(
        "Kinds of change",
        kinds,
        default=[],
        key="change_kinds",
        placeholder="All kinds",
        format_func=lambda k: k.replace("_", " "),
    )
    min_days = st.number_input(
        "Hide date moves smaller than (days)",
        min_value=0,
        max_value=365,
        value=0,
        step=1,
        key="min_days",
        help="For forecast end and milestone changes only.",
    )
    shown = changes[changes["change_type"].isin(chosen)] if chosen else changes
    is_date = shown["change_type"].isin(["forecast_end", "milestone"])
    shown = shown[~is_date | (shown["change_amount"].abs() >= min_days)]
    worse = shown[
        (shown["change_type"].isin(["rag_computed", "rag_declared"])) & (shown["change_amount"] > 0)
    ]
    c = st.columns(3)
    c[0].metric("Changes shown", f"{len(shown):,}")
    c[1].metric("RAG got worse", len(worse))
    c[2].metric("Projects affected", shown["project_id"].nunique())

st.caption(
    "Click a row to open the project. change_amount: days for dates (positive = later), money for "
    "budget and EAC, RAG steps (positive = worse)."
)
ui.project_table(shown, "changes", as_of, height=520)
ui.downloads(shown, f"changes_{since}_{as_of}", "changes")
ui.show_sql("health/changes")
