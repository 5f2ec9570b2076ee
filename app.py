"""EPMO Portfolio Analytics: navigation and the shared sidebar. Run: make run."""

import streamlit as st

from app_pages import _shared as ui
from app_pages import _steering as steer
from epmo import access, safe_text

# The favicon is a file the app serves: a Material icon here made every browser fetch it
# from fonts.gstatic.com, and no request leaves for another host (tests/e2e/test_hostile.py).
st.set_page_config(page_title="EPMO Portfolio Analytics", page_icon="assets/favicon.png", layout="wide")

NARROW_CSS = (
    "<style>@media (max-width: 1280px) { [data-testid='stMainBlockContainer'] "
    "{ padding-left: 0.75rem; padding-right: 0.75rem; } }</style>"
)

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
    "Admin": [
        st.Page("app_pages/access_admin.py", title="Access", icon=":material/manage_accounts:"),
        st.Page("app_pages/audit.py", title="Audit", icon=":material/history:"),
    ],
}
# The action (epmo/access.py) a page needs, by its address; every other page needs "view". A page the
# identity may not open is left out of the navigation, so its address does not open it either.
PAGE_ACTIONS = {
    "explorer": "explore",
    "upload": "upload",
    "mapper": "upload",
    "reminders": "data_quality",
    "submissions": "data_quality",
    "data_quality": "data_quality",
    "tables": "data_quality",
    "access_admin": "access",
    "audit": "audit",
}

try:
    identity = ui.refresh_identity()  # the sign-in screen stops here when no one is signed in
except Exception as exc:
    ui.stop_if_unreadable(exc)  # the store cannot be read: said in words, and the run stops
    raise
if not access.allowed(identity, "view"):
    st.title("EPMO Portfolio Analytics")
    st.warning(
        f"You are signed in as {safe_text.md(identity.email)}, but "
        + (
            "your access was revoked. Ask an EPMO admin"
            if identity.revoked
            else "you have no access yet. Ask an EPMO admin"
        )
        + " to grant you a role (Access page, or python -m epmo access grant EMAIL ROLE).",
        icon=":material/lock:",
    )
    if identity.mode == "oidc":
        st.button("Sign out", on_click=st.logout)
    st.stop()
PAGES = {
    section: kept
    for section, pages in PAGES.items()
    if (kept := [p for p in pages if access.allowed(identity, PAGE_ACTIONS.get(p.url_path, "view"))])
}

steer.presentation_hook()  # ?present=1 or the sidebar toggle: no chrome, large type
# The pages in the header's menus (one per section): the sidebar keeps only the as-of week,
# the filters and presentation mode, visible at 1024 px without scrolling past 19 entries.
page = st.navigation(PAGES, position="hidden" if steer.presenting() else "top")
# Streamlit's wide layout keeps 5rem each side of the page: at 1024 px, beside the sidebar,
# that left 564 px for tables of 700-800 px. Below 1280 px the sides are 0.75rem (700 px: four headline metrics in a row).
st.html(NARROW_CSS)
st.sidebar.caption("EPMO Portfolio Analytics")
if identity.mode == "demo":
    # HTML of the app's own (no markdown directive: the hostile-text checks allow none)
    st.html(
        '<div style="display:inline-block;padding:2px 10px;border-radius:6px;'
        'background:#fff3e0;color:#e65100;font-size:0.9rem">' + access.DEMO_NOTICE + "</div>"
    )
else:
    scope = "every portfolio" if identity.scope is None else ", ".join(identity.scope) or "no portfolio"
    st.sidebar.text(f"Signed in as {identity.email}\nRole: {identity.role} · {scope}")
    if identity.mode == "oidc":
        st.sidebar.button("Sign out", key="signout", on_click=st.logout, icon=":material/logout:")
if page.url_path != "deck":
    steer.exit_button()  # the deck has it in its navigation row
st.session_state[ui.PAGE_KEY] = page.url_path  # the sidebar keeps its week and filters from page to page
page.run()
