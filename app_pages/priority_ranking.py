"""Ranking: candidate projects scored by a model, each score broken down by criterion."""

import streamlit as st

from app_pages import _priority as pr
from app_pages import _shared as ui
from epmo.priority import charts, scoring
from epmo.safe_text import md

snap = ui.snapshot()
f = ui.sidebar(snap)
st.title("Project ranking")

c1, c2, c3 = st.columns([2, 2, 3])
model = pr.pick_model(snap, "Scoring model", "prio_model", c1)
other_name = c2.selectbox(
    "Compare with",
    ["(none)", *[r["name"] for r in pr.model_rows(snap) if r["name"] != model.name]],
    key="prio_compare",
    help="Rank each project under a second model; arrows show how far it moves.",
)
excluded = pr.stage_filter(c3)

cands = pr.candidates(snap, f, excluded)
if cands.empty:
    st.info("No candidate projects as of this week with these filters.")
    st.stop()
ranked = scoring.score(cands, model)
n_scored = int(ranked["is_scored"].sum())
st.caption(
    f"Ranked by **{md(model.label)}**"
    + (f", saved by {md(model.saved_by)} on {md(model.saved_at[:16])}" if model.version else "")
    + f". {md(model.description)} As of {f['as_of']:%d %b %Y}: {len(ranked):,} candidates, "
    f"{n_scored:,} scored"
    + (
        f", {len(ranked) - n_scored:,} without a score (missing inputs, ranked last)"
        if n_scored < len(ranked)
        else ""
    )
    + "."
)

g1, g2 = st.columns([2, 3])
moscow = g1.multiselect("MoSCoW", list(scoring.MOSCOW_ORDER), key="prio_moscow", placeholder="All labels")
search = g2.text_input("Find a project (id or name)", key="prio_search")
shown = ranked
if moscow:
    shown = shown[shown["moscow"].isin(moscow)]
if search.strip():
    text = search.strip().lower()
    shown = shown[
        shown["project_id"].str.lower().str.contains(text, regex=False)
        | shown["project_name"].str.lower().str.contains(text, regex=False)
    ]

parts = [c for c in ranked.columns if c.endswith(("_contribution", "_factor"))]
cols = ["rank", "project_id", "project_name", "portfolio", "stage", "moscow", "score", *parts, "score_note"]
config = {
    "rank": st.column_config.NumberColumn("Rank", width="small"),
    "score": st.column_config.NumberColumn("Score", format="localized", width="medium"),
    "score_note": st.column_config.TextColumn("Why no score"),
    "moscow": st.column_config.TextColumn("MoSCoW"),
}
for p in parts:
    config[p] = st.column_config.NumberColumn(
        p.removesuffix("_contribution").removesuffix("_factor").replace("_", " ")
        + (" ×" if p.endswith("_factor") else ""),
        format="%.3f",
        help="Factor of the product (rice)" if p.endswith("_factor") else "Weight × normalised value",
    )
ui.table(shown[cols], column_config=config, height=420, key="prio_table")
ui.downloads(shown[cols], f"ranking_{model.name}_{f['as_of']}", "ranking")

st.subheader("Score breakdown of the top projects")
ui.chart(charts.score_breakdown(shown, top=25), "prio_breakdown")
ui.show_sql("priority/candidates")

if other_name != "(none)":
    other = next(r["model"] for r in pr.model_rows(snap) if r["name"] == other_name)
    st.subheader(f"{md(model.label)} compared with {md(other.label)}")
    both = scoring.compare(ranked, scoring.score(cands, other))
    moved = both[both["rank_change"].fillna(0) != 0]
    st.caption(
        f"{len(moved):,} of {len(both):,} projects change rank. ▲ n: n places higher under "
        f"{md(other.label)}; ▼ n: lower."
    )
    st.dataframe(
        both[["project_id", "project_name", "rank_a", "rank_b", "movement", "score_a", "score_b"]],
        hide_index=True,
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
