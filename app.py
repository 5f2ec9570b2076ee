"""EPMO Portfolio Analytics: navigation and the shared sidebar. Run: make run."""

import streamlit as st

from app_pages import _steering as steer

# The favicon is a file the app serves: a Material icon here made every browser fetch it
# from fonts.gstatic.com, and no request leaves for another host (tests/e2e/test_hostile.py).
st.set_page_config(page_title="EPMO Portfolio Analytics", page_icon="assets/favicon.png", layout="wide")

PAGES = {
    "Portfolio": [
        st.Page("app_pages/home.py", title="Home", icon=":material/home:", default=True),
        st.Page("app_pages/health.py", title="Portfolio health", icon=":material/monitor_heart:"),
        st.Page("app_pages/changes.py", title="What changed", icon=":material/difference:"),
        st.Page("app_pages/project.py", title="Project", icon=":material/folder_open:"),
        st.Page("app_pages/flow.py", title="Flow", icon=":material/view_kanban:"),
    ],
    "Capacity": [
        st.Page("app_pages/capacity.py", title="Capacity heatmap", icon=":material/grid_on:"),
        st.Page("app_pages/capacity_whatif.py", title="What-if", icon=":material/science:"),
    ],
    "Prioritisation": [
        st.Page("app_pages/priority_ranking.py", title="Ranking", icon=":material/format_list_numbered:"),
        st.Page("app_pages/priority_sensitivity.py", title="Sensitivity", icon=":material/tune:"),
        st.Page("app_pages/priority_selection.py", title="Portfolio selection", icon=":material/checklist:"),
        st.Page("app_pages/priority_models.py", title="Scoring models", icon=":material/functions:"),
    ],
    "Steering": [
        st.Page("app_pages/deck.py", title="Steering deck", icon=":material/slideshow:"),
        st.Page("app_pages/decks.py", title="Decks", icon=":material/view_carousel:"),
        st.Page("app_pages/decisions.py", title="Decisions", icon=":material/gavel:"),
    ],
    "Analysis": [
        st.Page("app_pages/explorer.py", title="SQL explorer", icon=":material/terminal:"),
    ],
    "Data": [
        st.Page("app_pages/my_projects.py", title="My projects", icon=":material/assignment_ind:"),
        st.Page("app_pages/upload.py", title="Upload", icon=":material/upload_file:"),
        st.Page("app_pages/mapper.py", title="Mapper", icon=":material/join:"),
        st.Page("app_pages/reminders.py", title="Reminders", icon=":material/outgoing_mail:"),
        st.Page("app_pages/submissions.py", title="Submissions", icon=":material/receipt_long:"),
        st.Page("app_pages/data_quality.py", title="Data quality", icon=":material/fact_check:"),
        st.Page("app_pages/tables.py", title="Tables", icon=":material/table:"),
    ],
}

steer.presentation_hook()  # ?present=1 or the sidebar toggle: no chrome, large type
# The pages in the header's menus (one per section): the sidebar keeps only the as-of week,
# the filters and presentation mode, visible at 1024 px without scrolling past 19 entries.
page = st.navigation(PAGES, position="hidden" if steer.presenting() else "top")
st.sidebar.caption("EPMO Portfolio Analytics")
if page.url_path != "deck":
    steer.exit_button()  # the deck has it in its navigation row
page.run()
