"""Steering deck: present a saved deck slide by slide from a frozen snapshot, record
decisions, download the steering pack. A prepared link opens straight into it:
/deck?present=1&deck=NAME&slide=N (and as_of=DATE)."""

import datetime as dt

import streamlit as st

from app_pages import _shared as ui
from app_pages import _steering as steer
from epmo import steering
from epmo.safe_text import md, md_quoted

snap = ui.snapshot()
f = ui.sidebar(snap)
names = steer.deck_names(snap, f)

wanted = st.query_params.get("deck", "")
run = st.session_state.get(steer.RUN)
if wanted and wanted not in names:
    st.warning(f"No deck named {md_quoted(wanted)}; decks: {', '.join(md(n) for n in names)}.")
    wanted = ""
if run is None or (wanted and wanted != run["deck"]):
    # start (or switch to) a deck: pin the store for the whole meeting
    name = wanted or (run["deck"] if run else names[0])
    # A link carries the ledger cutoff: the same deck opened from it on another replica
    # (or after a reconnect to another one) shows the very same snapshot.
    # ...and the moment it was frozen, which its caption names (else the cutoff's)
    try:
        cutoff = dt.datetime.fromisoformat(st.query_params.get("cutoff", ""))
    except ValueError:
        cutoff = None
    try:
        moment = dt.datetime.fromisoformat(st.query_params.get("frozen", "")) if cutoff else None
    except ValueError:
        moment = None
    frozen = steer.freeze(f.as_of, cutoff, moment)
    try:
        slide_no = int(st.query_params.get("slide", "1"))
    except ValueError:
        slide_no = 1
    run = {"deck": name, "freeze": frozen.to_dict(), "slide": slide_no - 1}
    # started while this replica shows the previous version (newer data is loading: the
    # note above): pinned again, at the same slide, once the newer data is shown
    run["provisional"] = cutoff is None and ui.served_stale()
    st.session_state[steer.RUN] = run
elif run.get("provisional") and not ui.served_stale():
    run = run | {"freeze": steer.freeze(f.as_of).to_dict(), "provisional": False}
    st.session_state[steer.RUN] = run

try:
    deck = steer.load_deck(snap, f, run["deck"])
except steering.SteeringError as exc:
    st.error(md(exc))
    st.session_state.pop(steer.RUN, None)
    st.stop()
frozen = steering.Freeze.from_dict(run["freeze"])
n = len(deck.slides)
run["slide"] = min(max(int(run["slide"]), 0), n - 1)


def go(step: int) -> None:
    """Next/Previous: presenting, through the parts of a slide first (_steering.present_parts)."""
    part, parts = int(run.get("part", 0)), int(run.get("parts", 1))
    if 0 <= part + step < parts:
        run["part"] = part + step
        return
    slide_no = min(max(run["slide"] + step, 0), n - 1)
    if slide_no != run["slide"]:
        run["slide"], run["part"] = slide_no, 0


if not steer.presenting():
    st.title("Steering deck")
    c = st.columns([1, 1])
    choice = c[0].selectbox(
        "Deck", names, index=names.index(deck.name) if deck.name in names else 0, key="deck_pick"
    )
    with c[1]:  # the two figures wrap under each other in a narrow window rather than read "20 Nov …"
        m = ui.metric_columns(2, width=200)
    m[0].metric("Frozen as of", f"{frozen.as_of:%d %b %Y}")
    m[1].metric("Data frozen at", f"{frozen.frozen_at:%H:%M} UTC")
    restart = st.button(
        "Start the deck again with the latest data and the sidebar's week",
        key="deck_restart",
        icon=":material/refresh:",
        help="The deck keeps showing the snapshot taken when it started, even if uploads arrive.",
    )
    if choice != deck.name or restart:
        st.session_state[steer.RUN] = {
            "deck": choice,
            "freeze": steer.freeze(f.as_of).to_dict(),
            "slide": 0 if choice != deck.name else run["slide"],
        }
        st.query_params["deck"] = choice
        st.rerun()
    st.caption(
        f"{n} slides: " + " → ".join(md(s.label()) for s in deck.slides) + ". "
        "Presentation mode (sidebar toggle) hides the chrome; share "
        + md(f"?present=1&deck={deck.name}&slide=1")
        + " to open straight into it."
    )
    if f.portfolios or f.programmes:  # the sidebar says one thing, the slides show the deck's own scope
        scope = ", ".join(md(p) for p in (*deck.portfolios, *deck.programmes)) or "every portfolio"
        st.info(
            f"A deck shows its own scope ({scope}), not the sidebar's portfolio and programme "
            "filters, so that every replica and every rerun of a meeting shows the same slides. "
            "For one portfolio's deck, save one with that scope on the Decks page.",
            icon=":material/filter_alt_off:",
        )

nav = st.container(horizontal=True, vertical_alignment="center")
# the slide before its buttons: Next is disabled on the last screen of the last slide, and
# how many screens a slide takes is known only once it is built
spec = deck.slides[run["slide"]]
with st.spinner("Building the slide…"):
    current = steer.slide(frozen, spec, deck.scope)
run["parts"] = len(steer.present_parts(current)) if steer.presenting() else 1
run["part"] = min(int(run.get("part", 0)), run["parts"] - 1)
nav.button(
    "Previous",
    key="deck_prev",
    icon=":material/arrow_back:",
    on_click=go,
    args=(-1,),
    disabled=run["slide"] == 0 and int(run.get("part", 0)) == 0,
    shortcut="Left",
    help="Previous slide (left arrow or Page Up)",
)
nav.markdown(f"**Slide {run['slide'] + 1} of {n}** · {md(deck.slides[run['slide']].label())}")
nav.button(
    "Next",
    key="deck_next",
    icon=":material/arrow_forward:",
    on_click=go,
    args=(1,),
    disabled=run["slide"] >= n - 1 and int(run.get("part", 0)) >= int(run.get("parts", 1)) - 1,
    shortcut="Right",
    help="Next slide (right arrow or Page Down; a presentation clicker sends these)",
)
steer.exit_button(nav)
# Page Up / Page Down (what a presentation clicker sends): buttons of their own, out of sight
keys = st.container(key="deck_page_keys")
keys.button("Previous slide", key="deck_page_up", on_click=go, args=(-1,), shortcut="PageUp")
keys.button("Next slide", key="deck_page_down", on_click=go, args=(1,), shortcut="PageDown")
st.html("<style>.st-key-deck_page_keys { display: none !important; }</style>")
st.query_params["deck"] = deck.name
st.query_params["slide"] = str(run["slide"] + 1)
st.query_params["cutoff"] = frozen.cutoff_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
st.query_params["frozen"] = frozen.frozen_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

steer.render_slide(current, frozen, key=f"slide_{run['slide']}", part=run["part"])

if steer.presenting():
    # the slide fills the 1280x720 screen: what follows (the presenter's downloads and
    # decisions) starts below its bottom edge, not cut across it; the audience has the
    # week's reporting on the first slide
    st.html("<div style='height: 96px'></div>")
else:
    st.divider()
    fresh = steer.freshness(frozen, deck.scope)
    st.caption("Data freshness: " + steering.freshness_text(fresh) + ".")
steer.pack_downloads(deck, frozen)
# the form (and the frozen connection it reads projects from) only when opened: built on
# every run it cost each deck run a connection look-up and a query, a connection build when
# uploads had arrived since the freeze
decision_box = st.expander("Record a decision", key="deck_decision_box", on_change="rerun")
with decision_box:
    if decision_box.open:
        con = steer.frozen_connection(frozen)
        steer.decision_form(con, frozen, "deck_decision", steer.known_projects(con, frozen.as_of))
        st.caption(
            f"Linked to this snapshot: as of {frozen.as_of:%d %b %Y}, data committed up to "
            f"{frozen.cutoff_at.astimezone(dt.UTC):%d %b %Y %H:%M} UTC."
        )
