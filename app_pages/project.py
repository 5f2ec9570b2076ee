"""One project over time: reached by clicking a project anywhere; the URL is shareable
(?project=ID&as_of=DATE)."""

import pandas as pd
import streamlit as st

from app_pages import _shared as ui
from app_pages import _steering as steer
from epmo import charts, measures
from epmo.pagedata import portfolio as pages
from epmo.safe_text import md, md_quoted

snap = ui.snapshot()
f = ui.sidebar(snap)
as_of = f.as_of
# A click elsewhere leaves the project to open in the session; a shared link has it in the URL.
wanted = st.session_state.pop(ui.OPEN_PROJECT, None)
if wanted is None and "project_pick" not in st.session_state:
    wanted = st.query_params.get("project", "")
asked = wanted or st.session_state.get("project_pick")
data = ui.page(pages.project, snap, f, project_id=asked)
if not data.project_id:
    st.title("Project")
    st.info("No projects have been reported on or before this week.")
    st.stop()

names = data.names
if wanted:
    if wanted in names:
        st.session_state.project_pick = wanted
    else:
        st.warning(f"Project {md_quoted(wanted)} is not in the portfolio as of {as_of:%d %b %Y}.")
if st.session_state.get("project_pick") not in names:
    st.session_state.project_pick = data.project_id
pid = st.selectbox("Project", list(names), key="project_pick", format_func=lambda p: f"{p} · {names[p]}")
if pid != data.project_id:  # the first run of a session: the page data was for another project
    data = ui.page(pages.project, snap, f, project_id=pid)
st.query_params["project"] = pid


def project_rows(frame: pd.DataFrame, when_empty: str, stem: str, query: str) -> None:
    """One of this project's tables (its own id and name columns left out), downloads, SQL."""
    if frame.empty and when_empty:
        st.caption(when_empty)
    else:
        shown = frame.drop(columns=["project_id", "project_name", "portfolio"])
        ui.table(shown)
    ui.downloads(frame, f"{pid}_{stem}_{as_of}", stem)
    ui.show_sql(query)


history = data.history
now = data.now
st.title(md(now["project_name"]))
st.caption(
    f"{md(pid)} · {md(now['portfolio'])}"
    + (f" / {md(now['programme'])}" if now["programme"] else "")
    + f" · {md(now['stage'])} · PM {md(now['project_manager'])} · sponsor {md(now['sponsor']) or '–'}"
    + f" · last report for the week of {now['as_of_date']:%d %b %Y}"
    + (f" ({int(now['weeks_stale'])} weeks old)" if now["weeks_stale"] else "")
)
if now["rag_reasons"] or now["evm_notes"]:
    st.markdown(
        f"**Computed RAG: {md(now['rag_computed']) or 'not judged'}** (declared {md(now['rag_declared'])})"
        + (f" — {md(now['rag_reasons'])}" if now["rag_reasons"] else "")
    )
if now["evm_notes"]:
    st.caption("Blank because: " + md(now["evm_notes"]))
if now["status_summary"]:
    st.info(f"PM's summary: {md(now['status_summary'])}")

c = ui.metric_columns(6, width=140)
for col, name in zip(c, ("bac", "eac", "ac", "cpi", "spi", "forecast_slip_days"), strict=True):
    diff = data.change(name)
    col.metric(
        measures.label(name),
        measures.fmt(name, now[name]),
        None
        if diff is None
        else f"{diff:+.3f}"
        if measures.MEASURES[name].format == "ratio"
        else ("+" if diff > 0 else "-") + measures.fmt(name, abs(diff))  # +77 k, not +77,200
        if measures.MEASURES[name].format == "money"
        else f"{diff:+,.0f}",
        delta_color="off",
        help=f"{measures.MEASURES[name].formula}",
    )

left, right = st.columns(2)
with left:
    st.subheader("RAG by week")
    ui.chart(charts.rag_history(history), "rag_history")
    st.subheader("CPI and SPI by week")
    ui.chart(charts.index_history(history), "index_history")
    ui.downloads(history, f"{pid}_health_history_{as_of}", "history")
    ui.show_sql(data.sql["history"], what="RAG, CPI and SPI by week")
with right:
    st.subheader("Budget burn")
    ui.chart(charts.budget_burn(data.burn, as_of), "project_burn")
    ui.downloads(data.burn, f"{pid}_budget_burn_{as_of}", "burn")
    ui.show_sql(data.sql["burn"])

# one above the other: beside the chart, the table's forecast, achieved and slip columns
# were cut at 1440 px (only the id, name, key and baseline showed)
st.subheader("Milestones")
ui.chart(charts.milestone_trend(data.trend), "project_trend")
ui.show_sql(data.sql["trend"])
project_rows(data.milestones, "", "milestones", data.sql["milestones"])

st.subheader("Open RAID items")
project_rows(data.raid, "No open RAID items.", "raid", data.sql["raid"])

st.subheader("Changes since last week")
project_rows(data.changes, "No changes since last week.", "changes", data.sql["changes"])

steer.project_decisions(data.decisions, pid, as_of, data.sql["decisions"])
