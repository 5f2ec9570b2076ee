"""Reminders (for the EPMO): who has not reported for the week, with mailto: links and a
mail-merge CSV (text that a spreadsheet would run as a formula is neutralised)."""

import streamlit as st

from app_pages import _shared as ui
from epmo import weekly
from epmo.pagedata import weekly as pagedata_weekly

snap = ui.snapshot()
f = ui.sidebar(snap)
as_of = f.as_of
st.title("Who has not reported")
st.caption(
    f"Project managers with active projects that have neither uploaded nor confirmed 'no change' "
    f"for the week of {as_of:%d %b %Y}."
)
frame = ui.page(pagedata_weekly.not_submitted, snap, f).managers
if frame.empty:
    st.success("Every active project has reported for this week.", icon=":material/check_circle:")
    st.stop()
st.metric("Project managers to remind", len(frame))
ui.table(
    frame[["project_manager", "mailto", "projects_missing", "project_ids", "oldest_report"]],
    key="reminders_table",
    column_config={  # the other columns' labels and formats (a date as "13 Nov 2026"): epmo.labels
        "projects_missing": st.column_config.NumberColumn("Not reported", format="%d"),
        "mailto": st.column_config.LinkColumn("Email", display_text="Write"),
    },
)
st.download_button(
    "Mail-merge CSV",
    lambda: weekly.mail_merge_csv(frame),
    f"not_reported_{as_of}.csv",
    "text/csv",
    key="reminders_csv",
    icon=":material/download:",
    on_click="ignore",
)
