"""Access: who may do what (the access list, every change kept), and project managers."""

import pandas as pd
import streamlit as st

from app_pages import _shared as ui
from epmo import access
from epmo.pagedata import access as pagedata_access
from epmo.pagedata.ledger import EVERY_WEEK
from epmo.safe_text import md

identity = ui.require("access")
store = ui.base_store()
st.title("Access")
st.caption(
    "Roles: admin, analyst, pm, viewer (docs/security.md has the table of who may do what). "
    "A person on this list gets its role and portfolios; anyone else gets what their sign-in "
    "groups map to in settings [auth]. Every change is kept (history below) and audited."
)

entries = access.access_list(store)
shown = pd.DataFrame(
    [
        {
            "email": e["email"],
            "role": e["role"],
            "portfolios": ", ".join(e["portfolios"]) or "every portfolio",
            "teams": ", ".join(e["teams"]),
            "granted_at": e["granted_at"],
            "granted_by": e["granted_by"],
        }
        for e in entries
    ],
    columns=["email", "role", "portfolios", "teams", "granted_at", "granted_by"],
)
ui.table(shown, key="access_table")

data = ui.page(pagedata_access.access_page, ui.base_store().snapshot(), EVERY_WEEK)
portfolios = data.portfolios
st.subheader("Grant or change a role")
with st.form("grant_form"):
    c = st.columns([3, 2])
    email = c[0].text_input("Email", key="grant_email")
    role = c[1].selectbox(
        "Role", list(access.ROLES), index=access.ROLES.index(access.LEAST_ROLE), key="grant_role"
    )
    chosen = st.multiselect("Portfolios (blank: every portfolio)", portfolios, key="grant_portfolios")
    teams = st.text_input("Capacity teams a pm keeps (comma-separated)", key="grant_teams")
    note = st.text_input("Why", key="grant_note")
    grant = st.form_submit_button("Grant", type="primary")
if grant:
    try:
        team_list = [t.strip() for t in teams.split(",") if t.strip()]
        access.grant(store, identity, email, role, chosen, team_list, note)
    except (ValueError, access.Forbidden) as exc:
        st.error(md(exc))
    else:
        st.success(f"{md(email.strip())} is now {role}.")
        st.rerun()

st.subheader("Revoke")
with st.form("revoke_form"):
    who = st.selectbox("Person", [e["email"] for e in entries], key="revoke_email")
    why = st.text_input("Why", key="revoke_note")
    revoke = st.form_submit_button("Revoke")
if revoke and who:
    try:
        access.revoke(store, identity, who, why)
    except (ValueError, access.Forbidden) as exc:
        st.error(md(exc))
    else:
        st.success(f"Revoked {md(who)}.")
        st.rerun()

st.subheader("Reassign a project's manager")
managers = data.managers
with st.form("assign_form"):
    c = st.columns([2, 3])
    project = c[0].selectbox("Project", managers["project_id"].tolist(), key="assign_project")
    new_pm = c[1].text_input("New project manager (email)", key="assign_email")
    why = st.text_input("Why", key="assign_note")
    assign = st.form_submit_button("Reassign")
if assign and project:
    try:
        access.assign_pm(store, identity, project, new_pm, why)
    except (ValueError, access.Forbidden) as exc:
        st.error(md(exc))
    else:
        st.success(f"{md(project)}: the project manager is now {md(new_pm.strip())}.")
        st.rerun()
ui.table(managers, key="managers_table")

with st.expander("History of every access change"):
    ui.table(pd.DataFrame(access.access_history(store)), key="access_history")
