"""Audit: every change to the store, who made it, when, from where (app or cli) and what."""

import streamlit as st

from app_pages import _shared as ui

ui.require("audit")
snap = ui.base_store().snapshot()  # the trail is not portfolio data; only admins open this page
st.title("Audit trail")
st.caption(
    "Uploads, retractions, access changes, saved models, scenarios, decks, decisions and "
    "mappings, maintenance and repairs: who, when, from where and what. "
    "`python -m epmo export audit` writes the same rows."
)
trail = ui.query(snap, "access/audit_trail")
c = st.columns([2, 2, 3])
actions = c[0].multiselect("Action", sorted(trail["action"].dropna().unique().tolist()), key="audit_actions")
people = c[1].multiselect("Who", sorted(trail["actor"].dropna().unique().tolist()), key="audit_people")
needle = c[2].text_input("Filter by target or detail", key="audit_search")
shown = trail
if actions:
    shown = shown[shown["action"].isin(actions)]
if people:
    shown = shown[shown["actor"].isin(people)]
if needle:
    low = needle.lower()
    shown = shown[
        shown[["target", "detail"]]
        .apply(lambda col: col.fillna("").str.lower().str.contains(low, regex=False))
        .any(axis=1)
    ]
st.metric("Changes", f"{len(shown):,}")
st.dataframe(shown, hide_index=True, key="audit_table", height=480 if len(shown) > 12 else "auto")
ui.downloads(shown, "audit_trail", "audit")
ui.show_sql("access/audit_trail")
