"""Tables: any contract table as of the chosen week, with the SQL behind it and downloads."""

import streamlit as st

from app_pages import _shared as ui
from epmo.pagedata import ledger

snap = ui.snapshot()
f = ui.sidebar(snap)
st.title("Tables as of the week")
name = (
    st.segmented_control(
        "Table", ledger.table_names(), format_func=ledger.table_title, default="projects", key="table_view"
    )
    or "projects"
)
data = ui.page(ledger.table, snap, f, name=name)
st.caption(
    f"{data.description} {len(data.frame):,} rows. 'Weeks since report' says how old each project's latest "
    f"report is. In the SQL explorer and in exports this table is `{name}`."
)
ui.table(data.frame, height=520)
ui.downloads(data.frame, f"{name}_{f.as_of}", "table")
ui.show_sql(data.sql["frame"])
