"""EPMO Portfolio Analytics: navigation and the shared sidebar. Run: make run."""

import streamlit as st

st.set_page_config(page_title="EPMO Portfolio Analytics", page_icon=":material/insights:", layout="wide")

PAGES = {
    "Portfolio": [
        st.Page("app_pages/home.py", title="Home", icon=":material/home:", default=True),
    ],
    "Capacity": [
        st.Page("app_pages/capacity.py", title="Capacity heatmap", icon=":material/grid_on:"),
        st.Page("app_pages/capacity_whatif.py", title="What-if", icon=":material/science:"),
    ],
    "Data": [
        st.Page("app_pages/upload.py", title="Upload", icon=":material/upload_file:"),
        st.Page("app_pages/submissions.py", title="Submissions", icon=":material/receipt_long:"),
        st.Page("app_pages/tables.py", title="Tables", icon=":material/table:"),
    ],
}

page = st.navigation(PAGES)
st.sidebar.caption("EPMO Portfolio Analytics")
page.run()
