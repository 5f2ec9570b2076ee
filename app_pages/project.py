"""One project over time: reached by clicking a project anywhere; the URL is shareable
(?project=ID&as_of=DATE)."""

import pandas as pd
import streamlit as st

from app_pages import _shared as ui
from app_pages import _steering as steer
from epmo import charts, health, measures
from epmo.safe_text import md, md_quoted

snap = ui.snapshot()
f = ui.sidebar(snap)
as_of = f["as_of"]
everyone = {"portfolios": [], "programmes": []}
choices = ui.query(snap, "project/projects", as_of=as_of, **everyone)
if choices.empty:
    st.title("Project")
    st.info("No projects have been reported on or before this week.")
    st.stop()

ids = choices["project_id"].tolist()
names = dict(zip(choices["project_id"], choices["project_name"], strict=True))
# A click elsewhere leaves the project to open in the session; a shared link has it in the URL.
wanted = st.session_state.pop(ui.OPEN_PROJECT, None)
if wanted is None and "project_pick" not in st.session_state:
    wanted = st.query_params.get("project", "")
if wanted:
    if wanted in names:
        st.session_state.project_pick = wanted
    else:
        st.warning(f"Project {md_quoted(wanted)} is not in the portfolio as of {as_of:%d %b %Y}.")
if st.session_state.get("project_pick") not in names:
    st.session_state.project_pick = ids[0]
pid = st.selectbox("Project", ids, key="project_pick", format_func=lambda p: f"{p} · {names[p]}")
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


history = ui.query(snap, "project/health_history", project_id=pid, as_of=as_of)
now = history.iloc[-1]
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

prev = history.iloc[-2] if len(history) > 1 else None
c = ui.metric_columns(6, width=140)
for col, name in zip(c, ("bac", "eac", "ac", "cpi", "spi", "forecast_slip_days"), strict=True):
    d = None
    if prev is not None and now[name] == now[name] and prev[name] == prev[name] and now[name] != prev[name]:
        diff = float(now[name]) - float(prev[name])
        kind = measures.MEASURES[name].format
        if kind == "ratio":
            d = f"{diff:+.3f}"
        elif kind == "money":  # in the portfolio's format: +77 k, not +77,200
            d = ("+" if diff > 0 else "-") + measures.fmt(name, abs(diff))
        else:
            d = f"{diff:+,.0f}"
    col.metric(
        measures.label(name),
        measures.fmt(name, now[name]),
        d,
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
    ui.show_sql("project/health_history", what="RAG, CPI and SPI by week")
with right:
    st.subheader("Budget burn")
    burn = ui.query(snap, "health/budget_burn", as_of=as_of, project_id=pid, **everyone)
    ui.chart(charts.budget_burn(burn, as_of), "project_burn")
    ui.downloads(burn, f"{pid}_budget_burn_{as_of}", "burn")
    ui.show_sql("health/budget_burn")

st.subheader("Milestones")
ms = ui.query(
    snap,
    "health/milestone_slippage",
    as_of=as_of,
    previous=health.previous_week(as_of),
    project_id=pid,
    **everyone,
)
trend = ui.query(snap, "health/milestone_trend", as_of=as_of, project_ids=[pid])
left, right = st.columns([3, 2])
with left:
    ui.chart(charts.milestone_trend(trend), "project_trend")
    ui.show_sql("health/milestone_trend")
with right:
    project_rows(ms, "", "milestones", "health/milestone_slippage")

st.subheader("Open RAID items")
raid = ui.query(snap, "health/raid_items", as_of=as_of, project_id=pid, **everyone)
project_rows(raid, "No open RAID items.", "raid", "health/raid_items")

st.subheader("Changes since last week")
changes = ui.query(snap, "health/changes", as_of=as_of, since=health.previous_week(as_of), **everyone)
mine = changes[changes["project_id"] == pid]
project_rows(mine, "No changes since last week.", "changes", "health/changes")

steer.project_decisions(snap, pid, as_of)
