"""Home: the portfolio as of the chosen week, in headline numbers."""

import streamlit as st

from app_pages import _shared as ui
from epmo import charts

snap = ui.snapshot()
f = ui.sidebar(snap)
st.title("Portfolio overview")
st.caption(
    f"As reported for the week of {f['as_of']:%d %b %Y}"
    + (f" · {', '.join(f['portfolios'])}" if f["portfolios"] else " · all portfolios")
)

head = ui.query(
    snap, "home/headline", as_of=f["as_of"], portfolios=f["portfolios"], programmes=f["programmes"]
).iloc[0]
if int(head["project_count"]) == 0:
    st.info(
        "No projects have been reported on or before this week. Upload a weekly extract "
        "on the Upload page, or run `make run` to load the demo portfolio."
    )
    st.stop()

c = st.columns(5)
c[0].metric("Projects", f"{int(head['project_count']):,}")
c[1].metric(
    "Reported this week",
    f"{int(head['reporting_count']):,}",
    help="Projects whose latest report is for this very week.",
)
c[2].metric(
    "Stale reports",
    f"{int(head['stale_count']):,}",
    help="Projects whose latest report is a week old or older.",
)
c[3].metric("Budget (BAC)", f"{head['total_bac'] / 1e6:,.1f} M")
c[4].metric("Actual cost to date", f"{head['total_actual_cost'] / 1e6:,.1f} M")

r = st.columns(3)
r[0].metric("Red", int(head["red_count"]))
r[1].metric("Amber", int(head["amber_count"]))
r[2].metric("Green", int(head["green_count"]))

st.subheader("Projects by stage and declared RAG")
by_stage = ui.query(
    snap, "home/projects_by_stage", as_of=f["as_of"], portfolios=f["portfolios"], programmes=f["programmes"]
)
st.plotly_chart(charts.projects_by_stage(by_stage), key="stage_chart")
ui.downloads(by_stage, f"projects_by_stage_{f['as_of']}", "stage")
ui.show_sql("home/projects_by_stage")
