"""Flow: agile work items at the portfolio level. Throughput, work in progress and its age,
cycle time with its percentiles, cumulative flow and the Monte Carlo forecasts, for the
whole portfolio, a portfolio, a team or one project (docs/flow.md)."""

import pandas as pd
import streamlit as st

from app_pages import _shared as ui
from epmo import flow_charts
from epmo.pagedata import flow as pages

LEVELS = {"Whole portfolio": "all", "Portfolio": "portfolio", "Team": "team", "Project": "project"}

snap = ui.snapshot()
f = ui.sidebar(snap)
as_of = f.as_of
st.title("Flow")
st.caption(
    "Agile projects' own work items (their Jira or flow-tool export): how much gets done, how long "
    "it takes, what is in progress, and when the rest will be done. Days count inclusively."
)

left, right = st.columns([3, 2])  # the four levels on one line at 1440 px
level = left.radio("Level", list(LEVELS), horizontal=True, key="flow_level")
by = LEVELS[level]
scope = ""
if by != "all":
    # the scopes of the level (a call of its own: the choice of scope comes from it)
    options = ui.page(pages.flow, snap, f, by=by).scopes
    if not options:
        st.info("No work items reported for this selection as of this week.")
        st.stop()
    wanted = st.query_params.get("project", "") if by == "project" else ""
    scope = right.selectbox(
        level, options, index=options.index(wanted) if wanted in options else 0, key=f"flow_scope_{by}"
    )

# "how many by" (the Forecast tab's date, read before the call, as the widget keeps it)
by_date = st.session_state.get("flow_by_date") if by == "project" and scope else None
data = ui.page(pages.flow, snap, f, by=by, scope=scope, by_date=by_date)
summary = data.summary
if summary.empty:
    st.info("No work items reported for this selection as of this week.")
    st.stop()
row = summary.iloc[0]
m = ui.metric_columns(5)
m[0].metric(
    "Done / week",
    "–" if pd.isna(row["throughput_per_week"]) else f"{row['throughput_per_week']:.1f}",
    help="Throughput: items done per week over the window.",
)
m[1].metric("WIP", int(row["wip"]), help="Work in progress: items started and not done.")
m[2].metric(
    "Cycle P85, days",
    "–" if pd.isna(row["cycle_time_p85"]) else int(row["cycle_time_p85"]),
    help="85th percentile cycle time: done minus started, days counted inclusively.",
)
m[3].metric(
    "Age P85, days",
    "–" if pd.isna(row["age_p85"]) else int(row["age_p85"]),
    help="85th percentile age of the items in progress.",
)
m[4].metric(
    "Little's law",
    "–" if pd.isna(row["littles_law_ratio"]) else f"{row['littles_law_ratio']:.2f}",
    help="Average cycle time over what Little's law predicts from WIP and throughput; near 1.00 when flow is stable.",
)
if row["flow_notes"]:
    st.text(row["flow_notes"])  # text, never markdown: notes may quote uploaded values

tabs = st.tabs(["Throughput", "WIP and age", "Cycle time", "Cumulative flow", "Forecast", "Summary"])
with tabs[0]:
    ui.chart(flow_charts.throughput(data.throughput), "flow_throughput")
    ui.downloads(data.throughput, f"flow_throughput_{as_of}", "flow_throughput")
    ui.show_sql(data.sql["throughput"])
with tabs[1]:
    ui.chart(flow_charts.wip_age(data.wip_age), "flow_wip_age", as_of, clickable=True)
    ui.table(data.wip_age)
    ui.downloads(data.wip_age, f"flow_wip_{as_of}", "flow_wip")
    ui.show_sql(data.sql["wip_age"])
with tabs[2]:
    ui.chart(flow_charts.cycle_scatter(data.cycle_times), "flow_cycle", as_of, clickable=True)
    ui.downloads(data.cycle_times, f"flow_cycle_times_{as_of}", "flow_cycle")
    ui.show_sql(data.sql["cycle_times"])
with tabs[3]:
    ui.chart(flow_charts.cumulative_flow(data.cumulative_flow), "flow_cfd")
    ui.show_sql(data.sql["cumulative_flow"])
with tabs[4]:
    fc = data.extra.get("forecast")
    if by == "project" and scope:
        if fc is None:
            st.text(data.extra.get("forecast_reason", ""))
        else:
            c = st.columns(2) + st.columns(2)  # two rows: a whole date fits at 1024 px
            c[0].metric("Items left", fc.remaining_items)
            for i, p in enumerate((50, 85, 95)):
                d = fc.date(p)
                c[i + 1].metric(f"{p} % done by", "–" if d is None else f"{d:%d %b %Y}")
            st.text(fc.note)
            ui.chart(flow_charts.forecast_distribution(fc.days, fc.as_of_date, fc.dates), "flow_distribution")
            st.subheader("How many by a date")
            c = st.columns([1, 3])
            c[0].date_input(
                "By",
                value=None,
                min_value=fc.as_of_date,
                key="flow_by_date",
                format=ui.DATE_INPUT_FORMAT,
                help="How many of the items left the team will have done by then, at its recent throughput.",
            )
            many = data.extra.get("how_many")
            if many:
                odds = [
                    (int(k.removeprefix("at_least_p")), v)
                    for k, v in many.items()
                    if k.startswith("at_least_p")
                ]
                left = many["remaining_items"]
                c[1].text(
                    f"By {many['by_date']:%d %b %Y}, of {left:,} items left, at least: "
                    + ", ".join(f"{'all' if v >= left else f'{v:,}'} ({p} % likely)" for p, v in sorted(odds))
                    + "."
                )
            else:
                c[1].caption("Choose a date to see how many items will be done by then.")
        project_rows = data.project_forecasts
        baseline = project_rows["baseline_end_date"].iloc[0] if not project_rows.empty else None
        st.subheader("Trend of the forecast dates")
        ui.chart(flow_charts.forecast_trend(data.extra.get("trend", []), baseline), "flow_trend")
        epics = data.epics
        if not epics.empty:
            st.subheader("Epics")
            ui.table(epics)
    else:
        st.caption(
            "Click a project to open it. Its computed RAG uses the 85 % date against its baseline end."
        )
        ui.project_table(data.forecasts, "flow_forecasts", as_of)
    ui.downloads(data.forecasts, f"flow_forecast_{as_of}", "flow_forecast")
    ui.show_sql(data.sql["forecasts"])
with tabs[5]:
    ui.table(summary if by == "project" else summary.drop(columns=["project_name"]))  # a name is a project's
    ui.downloads(summary, f"flow_metrics_{as_of}", "flow_metrics")
    ui.show_sql(data.sql["summary"])
