"""Sensitivity: how stable each project's rank is when the model's weights move."""

import streamlit as st

from app_pages import _priority as pr
from app_pages import _shared as ui
from epmo import settings
from epmo.pagedata import priority as pages
from epmo.priority import charts
from epmo.safe_text import md

snap = ui.snapshot()
f = ui.sidebar(snap)
st.title("Rank sensitivity")

# bottom-aligned: the inputs stay in line when a label wraps at 1024 px
c1, c2, c3, c4, c5 = st.columns([2, 1, 1, 1, 1.2], vertical_alignment="bottom")
model = pr.pick_model(snap, f, "Scoring model", "prio_model", c1)
runs = int(
    c2.number_input(
        "Runs", 10, 20_000, settings.current().priority.sensitivity_runs, step=100, key="sens_runs"
    )
)
pct = float(
    c3.number_input("Weights ± %", 1, 90, settings.current().priority.sensitivity_pct, key="sens_pct")
)
seed = int(
    c4.number_input("Seed", 0, 2**31 - 1, settings.current().priority.sensitivity_seed, key="sens_seed")
)
top = int(c5.number_input("Projects shown", 5, 500, 40, step=5, key="sens_top"))
excluded = pr.stage_filter(st.sidebar, key="sens_excluded")

data = ui.page(
    pages.sensitivity,
    snap,
    f,
    model=model.name,
    version=model.version,
    runs=runs,
    pct=pct,
    seed=seed,
    excluded=tuple(excluded),
)
sens = data.sensitivity
if sens.empty:
    st.info("No scored candidate projects as of this week with these filters.")
    st.stop()
stable = int((sens["rank_spread"] == 0).sum())
st.caption(
    f"**{md(model.label)}**: {runs:,} runs, each weight multiplied by a random factor between "
    f"{1 - pct / 100:.2f} and {1 + pct / 100:.2f} (seed {seed})"
    + (
        ", then renormalised to 100 %"
        if model.type != "rice"
        else "; rice weights are exponents of its factors"
    )
    + f". {stable:,} of {len(sens):,} scored projects never change rank; the widest range is "
    f"{int(sens['rank_spread'].max())} places."
)
ui.chart(charts.rank_ranges(sens, top=top), "sens_chart")
ui.table(
    sens,
    column_config={
        "base_rank": st.column_config.NumberColumn("Rank"),
        "rank_min": st.column_config.NumberColumn("Best rank"),
        "rank_median": st.column_config.NumberColumn("Median rank", format="%.1f"),
        "rank_max": st.column_config.NumberColumn("Worst rank"),
        "rank_spread": st.column_config.NumberColumn("Range (places)"),
    },
    height=360,
    key="sens_table",
)
ui.downloads(sens, f"rank_sensitivity_{model.name}_{f.as_of}", "sens")
ui.show_sql(data.sql["sensitivity"])
