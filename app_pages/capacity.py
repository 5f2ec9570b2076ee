"""Capacity heatmap: demand against available hours per role, team or person and period."""

import streamlit as st

from app_pages import _capacity as cap
from app_pages import _shared as ui
from epmo import capacity, capacity_charts, labels
from epmo.pagedata import capacity as pages
from epmo.safe_text import md

snap = ui.snapshot()
f = ui.sidebar(snap)
st.title("Capacity heatmap")
st.caption(
    f"Demand (project allocations) against supply (team capacity) as reported for the week of "
    f"{f.as_of:%d %b %Y}"
    + (
        f" · demand of {', '.join(md(p) for p in f.portfolios + f.programmes)} only"
        if f.portfolios or f.programmes
        else ""
    )
    + ". Hours are spread over working days, so a week spanning two months counts in both."
)

opts = cap.controls("cap")
view = cap.view(opts)
data = ui.page(pages.heatmap, snap, f, view=view)
cells = data.cells
if cells.empty:
    st.info(
        "No demand or capacity in this horizon as of this week. Allocations (demand) and capacity "
        "(supply) come with the weekly extracts; try another as-of week or a longer horizon."
    )
    st.stop()

cap.band_legend()
fig = capacity_charts.heatmap(cells, opts["grain"], labelled=opts["labelled"])
# the key changes with the rows and columns, so a click on another layout is forgotten
event = ui.chart(fig, f"cap_heatmap_{opts['by']}_{opts['grain']}", select=True)
ui.downloads(cap.display_cells(cells), f"capacity_utilisation_{f.as_of}", "cap_cells")
ui.show_sql(data.sql["cells"], what="Heatmap (utilisation)")
ui.show_sql(data.sql["demand_days"], what="Heatmap (demand spread over working days)")

# ---------------------------------------------------------------- drill-down
st.subheader("What makes up a cell")
clicked = cap.cell_from_selection(event)
if clicked is not None and cap.match_cell(cells, clicked).empty:
    clicked = None  # a click on a cell that the current view no longer has
if clicked is None:
    st.caption("Click a cell of the heatmap, or choose one here.")
    c = st.columns(2)
    row = c[0].selectbox(
        "Row", sorted(cells["row"].unique()), index=None, key="cap_drill_row", placeholder="Choose a row"
    )
    period = c[1].selectbox(
        "Period",
        cells.sort_values("period_start")["col"].drop_duplicates().tolist(),
        index=None,
        key="cap_drill_period",
        placeholder="Choose a period",
    )
    if row is not None and period is not None:
        match = cells[(cells["row"] == row) & (cells["col"] == period)]
        if not match.empty:
            first = match.iloc[0]
            clicked = {k: first[k] for k in ("period_start", *capacity.KEYS)}
            clicked = {k: (None if v is None or v != v else v) for k, v in clicked.items()}
if clicked is not None:
    match = cap.match_cell(cells, clicked)
    # the drill-down: a second call, made only after a click
    drill = ui.page(
        pages.cell,
        snap,
        f,
        view=view,
        cell_keys=tuple((k, clicked[k]) for k in ("period_start", *capacity.KEYS)),
    )
    if not match.empty:
        m = match.iloc[0]
        supply = (
            f"available {m['capacity_hours']:,.0f} h ({m['utilisation_pct']:.0f}%)"
            if bool(m["has_capacity"])
            else "no capacity"
        )
        st.markdown(
            f"**{md(m['row'])} · {md(m['col'])}**: demand {m['demand_hours']:,.0f} h, {supply}; "
            f"{labels.count(drill['project_id'].nunique(), 'project')}."
        )
    if drill.empty:
        st.info("No demand in this cell: all of it is available capacity.")
    else:
        ui.table(drill, column_config=cap.columns(opts["grain"]), key="cap_drill_table")
        ui.downloads(drill, f"capacity_cell_{clicked['period_start']}", "cap_drill")
ui.show_sql(data.sql["cell"], what="What makes up a cell")

# ---------------------------------------------------------------- shortages
st.subheader("Shortages")
fte = capacity.fte_hours_per_week()
st.caption(
    f"Hours short = demand - available hours; FTE = hours / ({fte:g} h a week x working weeks "
    "of the period). Negative: spare."
)
only_short = st.toggle("Only cells that are short", value=True, key="cap_only_short")
short = cap.display_shortage(data.shortage, only_short)
ui.table(short, column_config=cap.columns(opts["grain"]), key="cap_shortage_table")
ui.downloads(short, f"capacity_shortage_{f.as_of}", "cap_short")
ui.show_sql(data.sql["shortage"], what="Shortages")

past = data.past
if not past.empty:
    with st.expander(
        f"Demand dated before the as-of week: {past['confirmed_hours'].sum() + past['tentative_hours'].sum():,.0f} h "
        "(left out of the heatmap)"
    ):
        st.caption(
            "Hours that stale submissions planned for weeks already gone. They are not piled onto "
            "the current week; update the project's extract to re-plan them."
        )
        ui.table(past, column_config=cap.NUMBER_COLUMNS)
        ui.downloads(past, f"capacity_past_demand_{f.as_of}", "cap_past")
        ui.show_sql(data.sql["past"])
