"""Portfolio selection: the best set of projects for a budget (and capacity), solved exactly."""

import dataclasses

import streamlit as st

from app_pages import _capacity as cap
from app_pages import _priority as pr
from app_pages import _shared as ui
from epmo import access, labels, measures, priority, settings
from epmo.labels import count
from epmo.pagedata import priority as pages
from epmo.priority import charts
from epmo.safe_text import md

snap = ui.snapshot()
f = ui.sidebar(snap)
st.title("Portfolio selection")

excluded = tuple(pr.stage_filter(st.sidebar, key="sel_excluded"))
choices = ui.page(pages.candidates, snap, f, excluded=excluded)
cands = choices.candidates
if cands.empty:
    st.info("No candidate projects as of this week with these filters.")
    st.stop()

c1, c2, c3 = st.columns([5, 6, 4], vertical_alignment="bottom")
model = pr.pick_model(snap, f, "Scoring model", "prio_model", c1)
basis = c2.radio(
    "Cost of a project",
    list(priority.BASES),
    format_func=lambda b: labels.text("basis", b),
    horizontal=True,
    key="sel_basis",
    help="Remaining = max(EAC − actual cost, 0); EAC is the health EAC (the PM's forecast_eac first, "
    "see Metrics), or the BAC when it is blank.",
)
with_capacity = c3.toggle(
    "Fit capacity",
    key="sel_capacity",
    help="Respect capacity per role and month: allocations (confirmed and tentative) must fit the "
    "capacity of every role in every month "
    f"of the next {settings.current().priority.capacity_horizon_months} months.",
)
current_cost, total_cost = choices.costs(basis)
if st.session_state.get("sel_budget_basis") != basis:
    st.session_state["sel_budget_m"] = round(current_cost / 1e6, 2)
    st.session_state["sel_budget_basis"] = basis
d1, d2, d3 = st.columns([2, 2, 2])
# in millions, as money reads everywhere else (259.50 M): the input cannot group digits
budget_m = d1.number_input(
    "Budget (M)",
    min_value=0.0,
    step=0.5,
    format="%.2f",
    key="sel_budget_m",
    help=f"In millions. Starts at what the current portfolio (work in flight) costs: "
    f"{labels.money(current_cost)}. All candidates together cost {labels.money(total_cost)}.",
)
budget = round(1e6 * float(budget_m), 2)
names = choices.labels
force_in = d2.multiselect("Force in", list(names), format_func=names.get, key="sel_force_in")
force_out = d3.multiselect("Force out", list(names), format_func=names.get, key="sel_force_out")

scenario = priority.Scenario(
    model=model.name,
    model_version=model.version,
    budget=float(budget),
    basis=basis,
    with_capacity=bool(with_capacity),
    force_in=list(force_in),
    force_out=list(force_out),
)
data = ui.page(
    pages.selection,
    snap,
    f,
    spinner="Solving the portfolio selection (MILP)…",
    scenario=scenario.to_json(),
    excluded=excluded,
)
result = data.result
assert result is not None  # there are candidates
sel = result.selection
if result.notes:
    with st.expander(
        f"{count(len(result.notes), 'note')} on the inputs (dependencies and capacity left unconstrained)"
    ):
        st.markdown("\n".join(f"- {md(n)}" for n in result.notes))

if sel is None:
    st.error(f"No portfolio meets these constraints: {md(result.error)}.")
else:
    m = ui.metric_columns(5)
    m[0].metric("Projects chosen", f"{len(sel.chosen):,} of {len(cands):,}")
    m[1].metric("Total score", labels.significant(sel.total_score))
    m[2].metric("Total cost", measures.money_text(sel.total_cost))
    m[3].metric("Budget left", measures.money_text(budget - sel.total_cost))
    binding = sel.constraints[sel.constraints["is_binding"] & (sel.constraints["kind"] != "dependency")]
    m[4].metric("Binding constraints", f"{len(binding):,}", help="Constraints with (almost) no slack left.")
    if not sel.is_optimal:
        st.warning(
            "The solver's time limit stopped it: this is the best selection found, not proven optimal "
            "(settings: priority.solver_time_limit_s)."
        )
    st.caption(
        "Solved exactly ("
        + ("by the frontier's dynamic programme over the budget" if sel.method == "dp" else "MILP, HiGHS")
        + f") with **{md(model.label)}**; "
        f"{labels.label('basis').lower()}: {labels.text('basis', basis)}. "
        + (
            "Binding: "
            + ", ".join(md(labels.text("constraint", c)) for c in binding["constraint"].head(8))
            + "."
            if len(binding)
            else "No constraint binds: "
        )
        + ("" if len(binding) else "the next best project does not fit or scores nothing.")
    )

# a worker process started ahead, should the frontier tab be opened and need the MILP
pr.warm_frontier(len(cands), milp=bool(with_capacity) or basis != "bac")
tab_line, tab_frontier, tab_constraints, tab_scenarios = st.tabs(
    ["Above and below the line", "Efficient frontier", "Constraints and use", "Scenarios"],
    key="sel_tabs",
    on_change="rerun",  # only the open tab runs: the frontier is one MILP per budget level
)

with tab_line:
    if tab_line.open:  # only the open tab runs (a tab click is a rerun)
        table = result.ranked.assign(
            line=result.ranked["is_selected"].map({True: "Above the line", False: "Below the line"})
        ).sort_values(["is_selected", "rank"], ascending=[False, True])
        cols = [
            "line",
            "rank",
            "project_id",
            "project_name",
            "stage",
            "moscow",
            "score",
            "cost",
            "why_required",
            "score_note",
        ]
        ui.table(
            table[cols],
            column_config={
                "line": st.column_config.TextColumn("Line"),
                "score": st.column_config.NumberColumn("Score", format="%.3f"),
                "cost": st.column_config.NumberColumn(
                    "Cost", help=labels.text("basis", basis), format=ui.MONEY_FORMAT
                ),
                "why_required": st.column_config.TextColumn("Required because"),
                "score_note": st.column_config.TextColumn("Why no score"),
            },
            height=460,
            key="sel_table",
        )
        ui.downloads(table[cols], f"portfolio_selection_{f.as_of}", "sel")
        ui.show_sql(data.sql["ranked"])

with tab_frontier:
    if tab_frontier.open:
        steps = int(
            st.slider(
                "Budget levels", 5, 61, settings.current().priority.frontier_steps, step=2, key="sel_steps"
            )
        )
        cur = data.current
        selected = (sel.total_cost, sel.total_score, len(sel.chosen)) if sel else None
        # the frontier does not depend on the budget: changing it does not solve it again
        levels = dataclasses.replace(scenario, budget=None).to_json()
        front = pr.frontier(snap, f, cur, selected, scenario=levels, excluded=excluded, steps=steps).frontier
        st.caption(
            f"Best total score at {steps} budget levels from 0 to {total_cost:,.0f} (every candidate), solved "
            "exactly at each level with the same capacity, forced and mandatory constraints (no capacity rows and "
            "costs in whole cents: one dynamic programme over the budget gives every level; else one MILP per level). × marks the "
            f"current portfolio ({count(cur[2], 'project')} in the stages {', '.join(settings.current().priority.current_stages)}: "
            f"cost {cur[0]:,.0f}, total score {labels.significant(cur[1])}); ★ the selection above."
        )
        ui.table(front, height=260, key="sel_frontier_table")
        ui.downloads(front, f"efficient_frontier_{model.name}_{f.as_of}", "front")

with tab_constraints:
    if sel is not None:
        st.caption(
            "Binding constraints first: budget and capacity with (almost) no slack, dependencies that pulled a project in."
        )
        ui.table(
            data.constraints,
            column_config={
                "used": st.column_config.TextColumn("Used"),
                "limit": st.column_config.TextColumn("Limit"),
                "slack": st.column_config.TextColumn("Slack"),
                "slack_pct": st.column_config.NumberColumn("Slack %", format="%.1f"),
                "is_binding": st.column_config.CheckboxColumn("Binds"),
            },
            height=320,
            key="sel_constraints",
        )
        ui.downloads(sel.constraints, f"selection_constraints_{f.as_of}", "cons")
        use = data.capacity_use
        if not use.empty:
            st.subheader("Capacity the selection uses")
            st.caption(
                "With the hours planned by projects that are not candidates (other portfolios under a "
                "filter, stages that are not candidates): the capacity constraint leaves them theirs."
            )
            cap.band_legend()  # the Capacity heatmap's bands and colours
            ui.chart(charts.capacity_use(use), "sel_capacity_chart")
            ui.downloads(use, f"selection_capacity_use_{f.as_of}", "use")
            ui.show_sql(data.sql["demand"])
            ui.show_sql(data.sql["supply"])
        elif not with_capacity:
            st.caption(
                "Turn on 'Respect capacity per role and month' to see the capacity the selection uses."
            )
        ui.show_sql(data.sql["dependencies"])
    else:
        st.info(md(result.error))

with tab_scenarios:
    if tab_scenarios.open:
        # a row that wraps, not columns: a fifth of the page cut the button to "Save s…" at 1024 px
        row = st.container(horizontal=True, vertical_alignment="bottom", wrap=True)
        name = row.text_input("Scenario name", key="scn_name")
        row.text(f"Saved by {ui.current_identity().email}", width="content")
        if row.button(
            "Save scenario",
            key="scn_save",
            icon=":material/save:",
            disabled=not ui.allowed("scenario"),
            width="content",
        ):
            identity = ui.require("scenario")
            if not name.strip():
                st.error("Give the scenario a name.")
            else:
                access.save_document(
                    ui.store(), identity, priority.SCENARIO_KIND, name, scenario.to_json(), as_of=f.as_of
                )
                st.success(f"Saved scenario {md(name.strip())}.")
                snap = ui.snapshot()
        compared = ui.page(
            pages.scenarios,
            snap,
            f,
            compare=tuple(st.session_state.get("scn_compare") or ()),  # the multiselect below, read first
            excluded=excluded,
        )
        saved = compared.saved
        if saved.empty:
            st.caption("No saved scenarios yet. Save the one above to compare it with others later.")
        else:
            st.multiselect(
                "Compare saved scenarios (solved again on this week's data)",
                saved["name"].tolist(),
                key="scn_compare",
            )
            if len(compared.summary):
                ui.table(compared.summary, key="scn_table")
                if compared.solved >= 2:
                    diff = compared.differ
                    st.caption(
                        f"{count(len(diff), 'project')} chosen in some of these scenarios but not all:"
                    )
                    ui.table(diff, key="scn_diff")
