"""Deck builder: an ordered list of views (home, health, what changed, capacity, ranking,
chosen projects, decisions), saved by name; every version is kept."""

import json

import pandas as pd
import streamlit as st

from app_pages import _capacity as cap
from app_pages import _shared as ui
from app_pages import _steering as steer
from epmo import capacity, pagedata, steering
from epmo.safe_text import md, md_quoted

snap = ui.snapshot()
f = ui.sidebar(snap)
store = ui.store()
st.title("Decks")
st.caption(
    "A deck is an ordered list of views shown one per slide in the Steering deck page and in "
    f"the steering pack. The built-in deck ({md_quoted(steering.default_deck().name)}) is always there; "
    "save your own under another name."
)

data = ui.page(pagedata.steering.decks, snap, f)
names = data.names
base = st.selectbox("Start from", names, key="deck_base")
deck = data.deck(base)
projects = data.projects
model_names = data.models

rows = pd.DataFrame(
    [
        {
            "position": i,
            "view": s.view,
            "project_id": s.options.get("project_id"),
            "grain": s.options.get("grain"),
            "by": s.options.get("by"),
            "model": s.options.get("model"),
        }
        for i, s in enumerate(deck.slides, 1)
    ]
)
st.subheader("Slides, in order")
st.caption(
    "Add rows at the bottom, delete rows with the row menu, and reorder by editing Position "
    "(slides are shown in Position order; a new row without one goes last). Project is for "
    "project slides (blank: the week's biggest mover); grain and by for capacity; model for ranking."
)
# The cells hold the codes a deck stores (home, month, role_team); the editor shows their
# titles. An option a slide does not take is an empty cell (None), shown blank, not "None".
edited = st.data_editor(
    rows,
    num_rows="dynamic",
    hide_index=True,
    key=f"deck_rows_{base}",
    placeholder="",
    column_config={
        "position": st.column_config.NumberColumn("Position", min_value=1, step=1, width="small"),
        "view": st.column_config.SelectboxColumn(
            "View", options=list(steering.VIEWS), format_func=steering.VIEWS.__getitem__, required=True
        ),
        "project_id": st.column_config.SelectboxColumn("Project", options=projects["project_id"].tolist()),
        "grain": st.column_config.SelectboxColumn(
            "Grain", options=list(capacity.GRAINS), format_func=lambda g: cap.GRAIN_LABELS.get(g, g)
        ),
        "by": st.column_config.SelectboxColumn(
            "By", options=list(capacity.BYS), format_func=lambda b: cap.BY_LABELS.get(b, b)
        ),
        "model": st.column_config.SelectboxColumn("Model", options=model_names),
    },
)
c = st.columns([2, 3, 3])
name = c[0].text_input("Save as", value="" if base == steering.default_deck().name else base, key="deck_name")
pf = sorted(projects["portfolio"].dropna().unique().tolist())
portfolios = c[1].multiselect(
    "Portfolios (blank: all)", pf, default=[p for p in deck.portfolios if p in pf], key="deck_pf"
)
c[2].text(f"Saved by {ui.current_identity().email}")
if st.button(
    "Save deck", type="primary", key="deck_save", icon=":material/save:", disabled=not ui.allowed("deck")
):
    user = ui.require("deck")
    slides = []
    ordered = edited.sort_values("position", na_position="last", kind="stable")
    for r in ordered.to_dict("records"):
        if not isinstance(r.get("view"), str) or not r["view"]:
            continue
        item = {"view": r["view"]}
        for k in steering.VIEW_OPTIONS.get(r["view"], ()):
            if isinstance(r.get(k), str) and r[k]:
                item[k] = r[k]
        slides.append(item)
    try:
        new = steering.parse_deck(name, {"slides": slides, "portfolios": portfolios})
        steering.save_deck(store, new, user)
    except steering.SteeringError as exc:
        st.error(f"Nothing saved: {md(exc)}")
    else:
        st.success(f"Saved deck {md_quoted(new.name)} ({len(new.slides)} slides).")
        st.page_link(
            steer.DECK_PAGE,
            label=f"Present {md(new.name)}",
            query_params={"deck": new.name, "slide": "1"},
            icon=":material/slideshow:",
        )

with st.expander("The deck as JSON"):
    st.code(json.dumps(json.loads(deck.to_json()), indent=2), language="json")
