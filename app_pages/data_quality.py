"""Data freshness and quality: who reported for the week, who is late or missing, stale
reports, expected fields left blank, rows unchanged for weeks."""

import streamlit as st

from app_pages import _shared as ui
from epmo import charts, labels
from epmo.pagedata import portfolio as pages

snap = ui.snapshot()
f = ui.sidebar(snap)
as_of = f.as_of
data = ui.page(pages.data_quality, snap, f)
st.title("Data quality and submissions")
st.caption(
    f"For the week of {as_of:%d %b %Y}. Late = committed more than {data.settings['late_after_days']} days "
    f"after the week; unchanged = the same row for {data.settings['unchanged_weeks']}+ reported weeks; "
    "expected fields: " + ", ".join(labels.label(c) for c in data.settings["expected_fields"]) + "."
)

if data.status.empty:
    st.info("No projects have been reported on or before this week for this selection.")
    st.stop()
n = data.counts()
c = ui.metric_columns(5)
c[0].metric(
    "Expected to report",
    n["active"],
    help=f"Projects expected to report (stage {ui.active_stages()}): the same count as Home's.",
)
c[1].metric("On time", n["on time"])
c[2].metric("Late", n["late"])
c[3].metric("Missing", n["missing"])
c[4].metric("Unchanged too long", n["unchanged"])

# one above the other: side by side, the managers' eight columns were cut at 1440 px
st.subheader("Submissions by portfolio")
ui.chart(charts.submission_mix(data.status), "mix")
st.subheader("By project manager")
ui.table(data.managers)  # sized to its rows (scrolls past ten), no empty rows under a few managers
ui.downloads(data.managers, f"submissions_by_pm_{as_of}", "pms")

st.subheader("Projects needing attention")
problems = data.problems
st.caption(
    f"{len(problems)} active projects missing, late, with blank expected fields or unchanged too long. "
    "Click a row to open the project."
)
shown = problems.assign(  # field names as the template's columns read, not snake_case
    missing_required_fields=problems["missing_required_fields"].map(
        lambda v: ", ".join(labels.label(x) for x in str(v or "").split(", ") if x)
    )
)
ui.project_table(shown, "problems", as_of, height=420, columns=pages.ATTENTION_COLUMNS)
ui.downloads(data.status, f"submission_status_{as_of}", "status")
ui.show_sql(data.sql["status"])
