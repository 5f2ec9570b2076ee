"""Ranking: candidate projects scored by a model, each score broken down by criterion."""

import streamlit as st

from app_pages import _priority as pr
from app_pages import _shared as ui
from epmo.pagedata import priority as pages
from epmo.priority import charts, scoring
from epmo.safe_text import md

snap = ui.snapshot()
f = ui.sidebar(snap)
st.title("Project ranking")

c1, c2, c3 = st.columns([2, 2, 3])
model = pr.pick_model(snap, f, "Scoring model", "prio_model", c1)
other_name = c2.selectbox(
    "Compare with",
    ["(none)", *[n for n in pr.model_choices(snap, f).names if n != model.name]],
    key="prio_compare",
    help="Rank each project under a second model; arrows show how far it moves.",
)
excluded = pr.stage_filter(c3)
data = ui.page(
    pages.ranking,
    snap,
    f,
    model=model.name,
    version=model.version,
    excluded=tuple(excluded),
    other=None if other_name == "(none)" else other_name,
    moscow=tuple(st.session_state.get("prio_moscow") or ()),  # the filters below, read first
    search=st.session_state.get("prio_search", ""),
)
if data.candidates.empty:
    st.info("No candidate projects as of this week with these filters.")
    st.stop()
ranked = data.ranked
n_scored = data.scored
st.caption(
    f"Ranked by **{md(model.label)}**"
    + (f", saved by {md(model.saved_by)} on {md(model.saved_at[:16])}" if model.version else "")
    + f". {md(model.description)} As of {f.as_of:%d %b %Y}: {len(ranked):,} candidates, "
    f"{n_scored:,} scored"
    + (
        f", {len(ranked) - n_scored:,} without a score (missing inputs, ranked last)"
        if n_scored < len(ranked)
        else ""
    )
    + "."
)

g1, g2 = st.columns([2, 3])
g1.multiselect("MoSCoW", list(scoring.MOSCOW_ORDER), key="prio_moscow", placeholder="All labels")
g2.text_input("Find a project (id or name)", key="prio_search")
shown = data.shown

parts = data.parts
# the score next to the name: after the portfolio and stage it was off the screen at 1024 px
cols = ["rank", "project_id", "project_name", "score", "moscow", "stage", "portfolio", *parts, "score_note"]
config = {
    "rank": st.column_config.NumberColumn("Rank", width="small"),
    "score": st.column_config.NumberColumn("Score", format="%.3f", width="small"),  # as on Selection
    "score_note": st.column_config.TextColumn("Why no score"),
    "moscow": st.column_config.TextColumn("MoSCoW"),
}
for p in parts:
    words = p.removesuffix("_contribution").removesuffix("_factor").replace("_", " ")
    config[p] = st.column_config.NumberColumn(
        words[:1].upper() + words[1:] + (" ×" if p.endswith("_factor") else ""),
        format="%.3f",
        help="Factor of the product (rice)" if p.endswith("_factor") else "Weight × normalised value",
    )
ui.table(shown[cols], column_config=config, height=420, key="prio_table")
ui.downloads(shown[cols], f"ranking_{model.name}_{f.as_of}", "ranking")

st.subheader("Score breakdown of the top projects")
ui.chart(charts.score_breakdown(shown, top=25), "prio_breakdown")
ui.show_sql(data.sql["ranked"])

if data.other is not None:
    other = data.other
    st.subheader(f"{md(model.label)} compared with {md(other.label)}")
    both = data.compare
    moved = both[both["rank_change"].fillna(0) != 0]
    st.caption(
        f"{len(moved):,} of {len(both):,} projects change rank. ▲ n: n places higher under "
        f"{md(other.label)}; ▼ n: lower."
    )
    ui.table(
        both[["project_id", "project_name", "rank_a", "rank_b", "movement", "score_a", "score_b"]],
        column_config={
            "rank_a": st.column_config.NumberColumn(f"Rank ({model.name})"),
            "rank_b": st.column_config.NumberColumn(f"Rank ({other.name})"),
            "movement": st.column_config.TextColumn("Move"),
            "score_a": st.column_config.NumberColumn(f"Score ({model.name})", format="%.3f"),
            "score_b": st.column_config.NumberColumn(f"Score ({other.name})", format="%.3f"),
        },
        height=380,
        key="prio_compare_table",
    )
    ui.downloads(both, f"ranking_compare_{model.name}_{other.name}", "compare")
    ui.chart(charts.rank_changes(both, model.label, other.label), "prio_compare_chart")
