"""Data freshness and quality: who reported for the week, who is late or missing, stale
reports, expected fields left blank, rows unchanged for weeks."""

import streamlit as st

from app_pages import _shared as ui
from epmo import charts, health, labels
from epmo.settings import get

snap = ui.snapshot()
f = ui.sidebar(snap)
as_of = f["as_of"]
scope = {"portfolios": f["portfolios"], "programmes": f["programmes"]}
st.title("Data quality and submissions")
st.caption(
    f"For the week of {as_of:%d %b %Y}. Late = committed more than {get('health', 'late_after_days')} days after "
    f"the week; unchanged = the same row for {get('health', 'unchanged_weeks')}+ reported weeks; expected fields: "
    + ", ".join(labels.label(c) for c in get("health", "expected_fields"))
    + "."
)

status = ui.query(snap, "health/submission_status", as_of=as_of, **scope)
if status.empty:
    st.info("No projects have been reported on or before this week for this selection.")
    st.stop()
active = status[status["is_active"]]
c = ui.metric_columns(5)
c[0].metric(
    "Expected to report",
    len(active),
    help="Projects in an active stage (health.active_stages): the same count as Home's.",
)
c[1].metric("On time", int((active["submission_status"] == "on time").sum()))
c[2].metric("Late", int((active["submission_status"] == "late").sum()))
c[3].metric("Missing", int((active["submission_status"] == "missing").sum()))
c[4].metric("Unchanged too long", int(active["is_unchanged_too_long"].fillna(False).sum()))

left, right = st.columns([2, 3])
with left:
    st.subheader("Submissions by portfolio")
    ui.chart(charts.submission_mix(status), "mix")
with right:
    st.subheader("By project manager")
    managers = health.by_manager(status)
    ui.table(managers, height=360)
    ui.downloads(managers, f"submissions_by_pm_{as_of}", "pms")

st.subheader("Projects needing attention")
problems = active[
    (active["submission_status"] != "on time")
    | (active["missing_field_count"] > 0)
    | active["is_unchanged_too_long"].fillna(False)
]
st.caption(
    f"{len(problems)} active projects missing, late, with blank expected fields or unchanged too long. "
    "Click a row to open the project."
)
shown = problems.assign(  # field names as the template's columns read, not snake_case
    missing_required_fields=problems["missing_required_fields"].map(
        lambda v: ", ".join(labels.label(x) for x in str(v or "").split(", ") if x)
    )
)
ui.project_table(
    shown,
    "problems",
    as_of,
    height=420,
    columns=[
        "project_manager",
        "project_id",
        "project_name",
        "submission_status",
        "last_as_of_date",
        "weeks_stale",
        "missing_required_fields",
        "unchanged_weeks",
    ],
)
ui.downloads(status, f"submission_status_{as_of}", "status")
ui.show_sql("health/submission_status")
