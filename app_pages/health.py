"""Portfolio health: RAG matrix, CPI/SPI quadrant, budget burn, the project table with
declared vs computed RAG, milestones and RAID, for the as-of week and the sidebar filters."""

import streamlit as st

from app_pages import _shared as ui
from epmo import charts, labels, measures
from epmo.labels import count
from epmo.pagedata import portfolio as pages

snap = ui.snapshot()
f = ui.sidebar(snap)
as_of = f.as_of
st.title("Portfolio health")
st.caption(
    f"As of the week of {as_of:%d %b %Y}"
    + ui.scope_text(f)
    + ". Computed RAG rules: "
    + "; ".join(measures.rules_text())
    + "."
)

if ui.page(pages.project_count, snap, f) == 0:
    st.info("No projects have been reported on or before this week for this selection.")
    st.stop()


def overview() -> None:
    level = (
        st.segmented_control(
            "Rows",
            ["portfolio", "programme"],
            default="portfolio",
            key="matrix_level",
            format_func=str.capitalize,
        )
        or "portfolio"
    )
    data = ui.page(pages.health_overview, snap, f, level=level)
    st.subheader("RAG matrix")
    st.caption(
        "Each cell: projects Red, Amber, Green on that dimension; colour = the share of them that are Red (white: none, red: all)."
    )
    ui.chart(charts.rag_matrix(data.matrix), "rag_matrix")
    ui.downloads(data.matrix, f"rag_matrix_{as_of}", "matrix")
    ui.show_sql(data.sql["matrix"])
    st.subheader("Cost and schedule performance")
    colour = (
        st.segmented_control(
            "Colour by",
            ["rag_computed", "rag_declared"],
            default="rag_computed",
            key="quadrant_colour",
            format_func=measures.label,
        )
        or "rag_computed"
    )
    st.caption(
        f"Projects in active stages ({len(data.active)}). Bubble size = BAC. Click a bubble to open the project."
    )
    ui.chart(charts.evm_quadrant(data.active, colour), "quadrant", as_of, clickable=True)
    ui.downloads(data.quadrant, f"cpi_spi_{as_of}", "quadrant")
    ui.show_sql(data.sql["quadrant"], key="quadrant", what="CPI and SPI quadrant")
    st.subheader(f"By {level}")
    st.caption(
        "CPI and SPI are ratios of sums over the projects where both inputs are known: CPI = "
        "'EV in CPI' / 'AC in CPI', which can differ from the EV and AC columns (all projects)."
    )
    ui.table(
        data.summary,
        "portfolio_summary_table",
        column_config={
            "cpi": st.column_config.NumberColumn(
                "CPI", format="%.2f", help=measures.MEASURES["portfolio_cpi"].formula
            ),
            "spi": st.column_config.NumberColumn(
                "SPI", format="%.2f", help=measures.MEASURES["portfolio_spi"].formula
            ),
        },
    )
    ui.downloads(data.summary, f"portfolio_summary_{as_of}", "summary")
    ui.show_sql(data.sql["summary"], what=f"By {level}")


def project_list() -> None:
    only = bool(st.session_state.get("only_disagree", False))  # the toggle below, read first
    data = ui.page(pages.health_projects, snap, f, only_disagree=only)
    watermelons = data.watermelons
    st.subheader(f"Watermelons: declared Green, computed Red ({len(watermelons)})")
    if watermelons.empty:
        st.success("None this week: no project declared Green is Red by the rules.")
    else:
        ui.project_table(
            watermelons,
            "watermelons",
            as_of,
            # why it is Red, the point of the table, beside the name and wide: last, it was
            # cut mid-sentence at the grid's edge
            columns=[
                "project_id",
                "project_name",
                "rag_reasons",
                "rag_declared",
                "rag_computed",
                "portfolio",
            ],
            column_config={
                "rag_reasons": st.column_config.TextColumn(labels.label("rag_reasons"), width="large")
            },
        )
        ui.downloads(watermelons, f"watermelons_{as_of}", "watermelons")
    st.subheader("All projects: declared and computed RAG, earned value")
    st.toggle("Only where declared and computed RAG differ", key="only_disagree")
    shown = data.shown
    st.caption(
        f"{count(len(shown), 'project')}. Click a row to open the project. Blank measures say why in 'Blank because'."
    )
    ui.project_table(
        shown,
        "health_projects",
        as_of,
        height=460,
        columns=[
            "project_id",
            "project_name",
            "portfolio",
            "stage",
            "weeks_stale",
            "rag_declared",
            "rag_computed",
            "rag_reasons",
            "bac",
            "pv",
            "ev",
            "ac",
            "cpi",
            "spi",
            "eac",
            "eac_basis",
            "vac",
            "tcpi_bac",
            "forecast_slip_days",
            "evm_notes",
        ],
    )
    ui.downloads(data.projects, f"project_health_{as_of}", "projects")
    ui.show_sql(data.sql["projects"])


def budget_burn() -> None:
    data = ui.page(pages.health_budget_burn, snap, f)
    st.subheader("Budget burn")
    st.caption("Cumulative planned, actual and forecast cost of the projects with time-phased financials.")
    ui.chart(charts.budget_burn(data.burn, as_of), "burn")
    ui.downloads(data.burn, f"budget_burn_{as_of}", "burn")
    ui.show_sql(data.sql["burn"])


def milestones() -> None:
    key_only = st.toggle("Key milestones only", value=True, key="key_only")
    picked = st.session_state.get("trend_projects")  # the multiselect below, read first
    data = ui.page(
        pages.health_milestones,
        snap,
        f,
        key_only=key_only,
        trend_projects=tuple(picked) if picked is not None else None,
    )
    c = st.columns(3)
    c[0].metric("Open milestones", len(data.open))
    c[1].metric(f"Slipping {data.red_days}+ days", data.slipping)
    c[2].metric("Slipped further this week", data.slipped_further)
    st.subheader("Milestone trend")
    st.multiselect(
        "Projects",
        data.project_ids,
        default=data.worst,
        key="trend_projects",
        max_selections=12,
        help="Default: the projects with the worst-slipping open milestones.",
    )
    ui.chart(charts.milestone_trend(data.trend), "trend")
    ui.downloads(data.trend, f"milestone_trend_{as_of}", "trend")
    ui.show_sql(data.sql["trend"])
    st.subheader("Milestone slippage")
    ui.project_table(data.open if key_only else data.shown, "slippage", as_of, height=400)
    ui.downloads(data.shown, f"milestone_slippage_{as_of}", "slips")
    ui.show_sql(data.sql["slippage"])


def raid() -> None:
    show_all = bool(st.session_state.get("deps_all", False))  # the toggle below, read first
    data = ui.page(pages.health_raid, snap, f, all_dependencies=show_all)
    left, right = st.columns([2, 3])
    with left:
        st.subheader("Open risks: probability x impact")
        ui.chart(charts.raid_heat_grid(data.grid), "heat")
        ui.downloads(data.grid, f"risk_grid_{as_of}", "grid")
        ui.show_sql(data.sql["grid"], what="Open risks grid")
    with right:
        st.subheader("Top open risks")
        ui.project_table(
            data.risks.head(15),
            "top_risks",
            as_of,
            height=380,
            columns=[
                "project_id",
                "title",
                "probability",
                "impact",
                "risk_score",
                "owner",
                "due_date",
                "is_overdue",
            ],
        )
        ui.downloads(data.risks, f"open_risks_{as_of}", "risks")
        ui.show_sql(data.sql["items"], what="Top open risks")
    overdue = data.overdue
    st.subheader(f"Overdue items ({len(overdue)})")
    ui.project_table(
        overdue,
        "overdue",
        as_of,
        height=300,
        columns=["project_id", "raid_type", "title", "owner", "due_date", "days_overdue", "risk_score"],
    )
    ui.downloads(overdue, f"overdue_raid_{as_of}", "overdue")
    ui.show_sql(data.sql["items"], key="overdue", what="Overdue items")
    st.subheader("Cross-project dependencies")
    st.toggle("Include dependencies on track", key="deps_all")
    drawn = data.drawn
    counts = data.dependency_counts()
    st.caption(
        f"{counts['late']} late, {counts['at risk']} at risk, {counts['on track']} on track. "
        "An arrow points from the project that needs to the project it depends on."
    )
    st.caption("Open dependencies by portfolio (colour: how many are late or at risk).")
    ui.chart(charts.dependency_matrix(data.dependencies), "dependency_matrix")
    st.caption("The late and at-risk chains, labelled. Click a project to open it.")
    ui.chart(charts.dependency_network(data.dependencies), "network", as_of, clickable=True)
    ui.project_table(
        drawn,
        "deps",
        as_of,
        height=300,
        columns=[
            "project_id",
            "related_project_id",
            "title",
            "need_by_date",
            "related_forecast_end_date",
            "dependency_status",
            "status_reason",
        ],
    )
    ui.downloads(data.dependencies, f"dependencies_{as_of}", "deps")
    ui.show_sql(data.sql["dependencies"], what="Cross-project dependencies")


# Only the open tab runs: each tab's queries and charts are built when it is shown, and the
# open tab is in the address (?tab=RAID) so a link opens it.
TABS = {
    "Overview": overview,
    "Projects": project_list,
    "Budget burn": budget_burn,
    "Milestones": milestones,
    "RAID": raid,
}
for tab, render in zip(st.tabs(list(TABS), key="tab", bind="query-params"), TABS.values(), strict=True):
    if tab.open:
        with tab:
            render()
