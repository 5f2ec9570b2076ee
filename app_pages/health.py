"""Portfolio health: RAG matrix, CPI/SPI quadrant, budget burn, the project table with
declared vs computed RAG, milestones and RAID, for the as-of week and the sidebar filters."""

import streamlit as st

from app_pages import _shared as ui
from epmo import charts, health, measures
from epmo.safe_text import md
from epmo.settings import get

snap = ui.snapshot()
f = ui.sidebar(snap)
as_of = f["as_of"]
previous = health.previous_week(as_of)
scope = {"portfolios": f["portfolios"], "programmes": f["programmes"]}
st.title("Portfolio health")
st.caption(
    f"As of the week of {as_of:%d %b %Y}"
    + (f" · {', '.join(md(p) for p in f['portfolios'])}" if f["portfolios"] else " · all portfolios")
    + ". Computed RAG rules: "
    + "; ".join(measures.rules_text())
    + "."
)

projects = ui.query(snap, "health/project_health", as_of=as_of, **scope)
if projects.empty:
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
    summary = ui.query(snap, "health/portfolio_summary", as_of=as_of, level=level, **scope)
    st.subheader("RAG matrix")
    st.caption("Each cell: projects Red, Amber, Green on that dimension; colour = share red and amber.")
    matrix = ui.query(snap, "health/rag_matrix", as_of=as_of, level=level, **scope)
    ui.chart(charts.rag_matrix(matrix), "rag_matrix")
    ui.downloads(matrix, f"rag_matrix_{as_of}", "matrix")
    ui.show_sql("health/rag_matrix")
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
    active = projects[projects["is_active"]]
    st.caption(
        f"Projects in active stages ({len(active)}). Bubble size = BAC. Click a bubble to open the project."
    )
    ui.chart(charts.evm_quadrant(active, colour), "quadrant", as_of, clickable=True)
    ui.downloads(
        active[["project_id", "project_name", "spi", "cpi", "bac", "rag_computed", "rag_declared"]],
        f"cpi_spi_{as_of}",
        "quadrant",
    )
    ui.show_sql("health/project_health", key="quadrant", what="CPI and SPI quadrant")
    st.subheader(f"By {level}")
    st.caption(
        "CPI and SPI are ratios of sums over the projects where both inputs are known: CPI = "
        "'EV in CPI' / 'AC in CPI', which can differ from the EV and AC columns (all projects)."
    )
    ui.table(
        summary,
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
    ui.downloads(summary, f"portfolio_summary_{as_of}", "summary")
    ui.show_sql("health/portfolio_summary", what=f"By {level}")


def project_list() -> None:
    watermelons = projects[projects["is_watermelon"]]
    st.subheader(f"Watermelons: declared Green, computed Red ({len(watermelons)})")
    if watermelons.empty:
        st.success("None this week: no project declared Green is Red by the rules.")
    else:
        ui.project_table(
            watermelons,
            "watermelons",
            as_of,
            columns=[
                "project_id",
                "project_name",
                "portfolio",
                "rag_declared",
                "rag_computed",
                "rag_reasons",
            ],
        )
        ui.downloads(watermelons, f"watermelons_{as_of}", "watermelons")
    st.subheader("All projects: declared and computed RAG, earned value")
    only = st.toggle("Only where declared and computed RAG differ", key="only_disagree")
    differ = projects["rag_computed"].notna() & (projects["rag_declared"] != projects["rag_computed"])
    shown = projects[differ] if only else projects
    st.caption(
        f"{len(shown)} projects. Click a row to open the project. Blank measures say why in 'Blank because'."
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
    ui.downloads(projects, f"project_health_{as_of}", "projects")
    ui.show_sql("health/project_health")


def budget_burn() -> None:
    st.subheader("Budget burn")
    st.caption("Cumulative planned, actual and forecast cost of the projects with time-phased financials.")
    burn = ui.query(snap, "health/budget_burn", as_of=as_of, project_id="", **scope)
    ui.chart(charts.budget_burn(burn, as_of), "burn")
    ui.downloads(burn, f"budget_burn_{as_of}", "burn")
    ui.show_sql("health/budget_burn")


def milestones() -> None:
    slips = ui.query(
        snap, "health/milestone_slippage", as_of=as_of, previous=previous, project_id="", **scope
    )
    key_only = st.toggle("Key milestones only", value=True, key="key_only")
    shown = slips[slips["is_key"]] if key_only else slips
    open_ms = shown[shown["actual_date"].isna()]
    c = st.columns(3)
    c[0].metric("Open milestones", len(open_ms))
    red_days = int(get("health", "slip_red_days"))
    c[1].metric(f"Slipping {red_days}+ days", int((open_ms["slip_days"] >= red_days).sum()))
    c[2].metric("Slipped further this week", int((open_ms["slip_change_days"] > 0).sum()))
    st.subheader("Milestone trend")
    worst = open_ms.sort_values("slip_days", ascending=False)["project_id"].drop_duplicates().head(6).tolist()
    chosen = st.multiselect(
        "Projects",
        sorted(projects["project_id"]),
        default=worst,
        key="trend_projects",
        max_selections=12,
        help="Default: the projects with the worst-slipping open milestones.",
    )
    trend = ui.query(snap, "health/milestone_trend", as_of=as_of, project_ids=chosen)
    ui.chart(charts.milestone_trend(trend), "trend")
    ui.downloads(trend, f"milestone_trend_{as_of}", "trend")
    ui.show_sql("health/milestone_trend")
    st.subheader("Milestone slippage")
    ui.project_table(open_ms if key_only else shown, "slippage", as_of, height=400)
    ui.downloads(shown, f"milestone_slippage_{as_of}", "slips")
    ui.show_sql("health/milestone_slippage")


def raid() -> None:
    items = ui.query(snap, "health/raid_items", as_of=as_of, project_id="", **scope)
    left, right = st.columns([2, 3])
    with left:
        st.subheader("Open risks: probability x impact")
        grid = ui.query(snap, "health/raid_heat_grid", as_of=as_of, **scope)
        ui.chart(charts.raid_heat_grid(grid), "heat")
        ui.downloads(grid, f"risk_grid_{as_of}", "grid")
        ui.show_sql("health/raid_heat_grid", what="Open risks grid")
    with right:
        st.subheader("Top open risks")
        risks = items[items["raid_type"] == "Risk"].head(15)
        ui.project_table(
            risks,
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
        ui.downloads(items[items["raid_type"] == "Risk"], f"open_risks_{as_of}", "risks")
        ui.show_sql("health/raid_items", what="Top open risks")
    overdue = items[items["is_overdue"]]
    st.subheader(f"Overdue items ({len(overdue)})")
    ui.project_table(
        overdue,
        "overdue",
        as_of,
        height=300,
        columns=["project_id", "raid_type", "title", "owner", "due_date", "days_overdue", "risk_score"],
    )
    ui.downloads(overdue, f"overdue_raid_{as_of}", "overdue")
    ui.show_sql("health/raid_items", key="overdue", what="Overdue items")
    st.subheader("Cross-project dependencies")
    deps = ui.query(snap, "health/dependencies", as_of=as_of, **scope)
    show_all = st.toggle("Include dependencies on track", key="deps_all")
    drawn = deps if show_all else deps[deps["dependency_status"] != "on track"]
    counts = deps["dependency_status"].value_counts()
    st.caption(
        f"{counts.get('late', 0)} late, {counts.get('at risk', 0)} at risk, {counts.get('on track', 0)} on track. "
        "An arrow points from the project that needs to the project it depends on."
    )
    st.caption("Open dependencies by portfolio (colour: how many are late or at risk).")
    ui.chart(charts.dependency_matrix(deps), "dependency_matrix")
    st.caption("The late and at-risk chains, labelled. Click a project to open it.")
    ui.chart(charts.dependency_network(deps), "network", as_of, clickable=True)
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
    ui.downloads(deps, f"dependencies_{as_of}", "deps")
    ui.show_sql("health/dependencies", what="Cross-project dependencies")


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
