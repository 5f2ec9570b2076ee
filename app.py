"""EPMO Portfolio Analytics: navigation and the shared sidebar. Run: make run."""

import streamlit as st

st.set_page_config(page_title="EPMO Portfolio Analytics", page_icon=":material/insights:", layout="wide")

PAGES = {
    "Portfolio": [
        st.Page("app_pages/home.py", title="Home", icon=":material/home:", default=True),
        st.Page("app_pages/health.py", title="Portfolio health", icon=":material/monitor_heart:"),
        st.Page("app_pages/changes.py", title="What changed", icon=":material/difference:"),
        st.Page("app_pages/project.py", title="Project", icon=":material/folder_open:"),
    ],
    "Data": [
        st.Page("app_pages/upload.py", title="Upload", icon=":material/upload_file:"),
        st.Page("app_pages/submissions.py", title="Submissions", icon=":material/receipt_long:"),
        st.Page("app_pages/data_quality.py", title="Data quality", icon=":material/fact_check:"),
        st.Page("app_pages/tables.py", title="Tables", icon=":material/table:"),
    ],
}

page = st.navigation(PAGES)
st.sidebar.caption("EPMO Portfolio Analytics")
page.run()
