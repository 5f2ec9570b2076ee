"""Data freshness and quality: who reported for the week, who is late or missing, stale
reports, expected fields left blank, rows unchanged for weeks."""

import streamlit as st

from app_pages import _shared as ui
from epmo import charts
from epmo.pagedata import portfolio as pages

snap = ui.snapshot()
f = ui.sidebar(snap)
as_of = f.as_of
data = ui.page(pages.data_quality, snap, f)
st.title("Data quality and submissions")
st.caption(
    f"For the week of {as_of:%d %b %Y}. Late = committed more than {data.settings['late_after_days']} days "
    f"after the week; unchanged = the same row for {data.settings['unchanged_weeks']}+ reported weeks; "
    "expected fields: " + ", ".join(data.settings["expected_fields"]) + "."
)

if data.status.empty:
    st.info("No projects have been reported on or before this week for this selection.")
    st.stop()
n = data.counts()
c = st.columns(5)
c[0].metric("Active projects", n["active"])
c[1].metric("On time", n["on time"])
c[2].metric("Late", n["late"])
c[3].metric("Missing", n["missing"])
c[4].metric("Unchanged too long", n["unchanged"])

left, right = st.columns([2, 3])
with left:
    st.subheader("Submissions by portfolio")
    ui.chart(charts.submission_mix(data.status), "mix")
with right:
    st.subheader("By project manager")
    st.dataframe(data.managers, hide_index=True, column_config=ui.measure_columns(data.managers), height=360)
    ui.downloads(data.managers, f"submissions_by_pm_{as_of}", "pms")

st.subheader("Projects needing attention")
problems = data.problems
st.caption(
    f"{len(problems)} active projects missing, late, with blank expected fields or unchanged too long. "
    "Click a row to open the project."
)
ui.project_table(problems, "problems", as_of, height=420, columns=pages.ATTENTION_COLUMNS)
ui.downloads(data.status, f"submission_status_{as_of}", "status")
ui.show_sql(data.sql["status"])
