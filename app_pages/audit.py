"""Audit: every change to the store, who made it, when, from where (app or cli) and what."""

import streamlit as st

from app_pages import _shared as ui
from epmo.pagedata import access as pagedata_access
from epmo.pagedata.ledger import EVERY_WEEK

ui.require("audit")
snap = ui.base_store().snapshot()  # the trail is not portfolio data; only admins open this page
st.title("Audit trail")
st.caption(
    "Uploads, retractions, access changes, saved models, scenarios, decks, decisions and "
    "mappings, maintenance and repairs: who, when, from where and what. "
    "`python -m epmo export audit` writes the same rows."
)
chosen = {
    "actions": tuple(st.session_state.get("audit_actions", ())),
    "people": tuple(st.session_state.get("audit_people", ())),
    "search": st.session_state.get("audit_search", ""),
}  # the widgets below, read first
data = ui.page(pagedata_access.audit_trail, snap, EVERY_WEEK, **chosen)
trail = data.trail
c = st.columns([2, 2, 3])
c[0].multiselect("Action", sorted(trail["action"].dropna().unique().tolist()), key="audit_actions")
c[1].multiselect("Who", sorted(trail["actor"].dropna().unique().tolist()), key="audit_people")
c[2].text_input("Filter by target or detail", key="audit_search")
shown = data.shown
st.metric("Changes", f"{len(shown):,}")
ui.table(shown, key="audit_table", height=480 if len(shown) > 12 else "auto")
ui.downloads(shown, "audit_trail", "audit")
ui.show_sql(data.sql["trail"])
