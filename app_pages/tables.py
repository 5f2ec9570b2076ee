"""Tables: any contract table as of the chosen week, with the SQL behind it and downloads."""

import streamlit as st

from app_pages import _shared as ui
from epmo import export

snap = ui.snapshot()
f = ui.sidebar(snap)
st.title("Tables as of the week")
names = [n for n, v in export.VIEWS.items() if v.needs_as_of and not v.builder]  # the contract tables
name = st.segmented_control("Table", names, default="projects", key="table_view") or "projects"
view = export.VIEWS[name]
frame = ui.query(snap, view.query, as_of=f["as_of"])
if f["portfolios"] and "portfolio" in frame.columns:
    frame = frame[frame["portfolio"].isin(f["portfolios"])]
st.caption(
    f"{view.description} {len(frame):,} rows. `weeks_stale` says how old each project's latest report is."
)
ui.table(frame, height=520)
ui.downloads(frame, f"{name}_{f['as_of']}", "table")
ui.show_sql(view.query)
