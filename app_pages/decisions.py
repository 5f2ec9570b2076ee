"""Decisions: the steering committee's decision log. Record a decision linked to the
snapshot it was based on; edit one (a new version; nothing is lost); see every version."""

import streamlit as st

from app_pages import _shared as ui
from app_pages import _steering as steer
from epmo import steering
from epmo.pagedata import steering as pages
from epmo.safe_text import md

snap = ui.snapshot()
f = ui.sidebar(snap)
as_of = f.as_of
data = ui.page(pages.decisions, snap, f)
st.title("Decisions")
st.caption(
    "Every steering decision with its date, rationale, projects, owner and due date, and the "
    "snapshot it was based on (as-of week and data time). Edits save a new version."
)

until, log = data.until, data.log
n = data.counts()
c = st.columns(3)
c[0].metric("Decisions", n["decisions"])
c[1].metric("Open", n["open"])
c[2].metric("Overdue", n["overdue"])
if log.empty:
    st.info("No decisions recorded yet. Record the first one below, or during a deck.")
else:
    cols = [
        "decision_id",
        "decision_date",
        "decision",
        "rationale",
        "projects_affected",
        "owner",
        "due_date",
        "status",
        "based_on_as_of_date",
        "version",
        "saved_by",
    ]
    ui.table(log[cols], key="decision_log")
ui.downloads(log, f"decisions_{until}", "decisions")
ui.show_sql(data.sql["log"])

con = ui.connection(snap)
projects = data.projects


def frozen() -> steering.Freeze:  # the store as it is when the decision is saved
    return steer.live_freeze(as_of)


st.subheader("Record a decision")
st.caption(f"Based on the portfolio as of {as_of:%d %b %Y} (the sidebar's week), as stored now.")
steer.decision_form(con, frozen, "new_decision", projects)

if not log.empty:
    st.subheader("Edit a decision")
    pick = st.selectbox(
        "Decision",
        log["decision_id"].tolist(),
        index=None,
        key="decision_pick",
        placeholder="Choose a decision to edit",
        format_func=lambda d: f"{d} · {log.loc[log['decision_id'] == d, 'decision'].iloc[0][:80]}",
    )
    if pick:
        row = log[log["decision_id"] == pick].iloc[0].to_dict()
        row["project_ids"] = [p.strip() for p in str(row["projects_affected"] or "").split(",") if p.strip()]
        steer.decision_form(con, frozen, f"edit_{pick}", projects, existing=row, decision_id=pick)
        history = steering.decision_history(ui.store(), pick)
        st.caption(f"Every version of {md(pick)} (newest first):")
        ui.table(history, key="decision_history")
