"""Home: the portfolio as of the chosen week, in headline numbers, and what moved."""

import streamlit as st

from app_pages import _shared as ui
from epmo import charts, health, measures
from epmo.safe_text import md

snap = ui.snapshot()
f = ui.sidebar(snap)
previous = health.previous_week(f["as_of"])
scope = {"portfolios": f["portfolios"], "programmes": f["programmes"]}
st.title("Portfolio overview")
st.caption(
    f"As reported for the week of {f['as_of']:%d %b %Y}"
    + (f" · {', '.join(md(p) for p in f['portfolios'])}" if f["portfolios"] else " · all portfolios")
    + f" · changes against the week of {previous:%d %b %Y}"
)

head = ui.query(snap, "health/headline", as_of=f["as_of"], previous=previous, **scope)
now, before = head.iloc[0], head.iloc[1]
if int(now["project_count"]) == 0:
    st.info(
        "No projects have been reported on or before this week. Upload a weekly extract "
        "on the Upload page, or run `make run` to load the demo portfolio."
    )
    st.stop()


def delta(col: str, digits: int = 0) -> str | None:
    if int(before["project_count"]) == 0:
        return None
    d = float(now[col]) - float(before[col])
    return f"{d:+,.{digits}f}" if d else None


c = ui.metric_columns(4)
c[0].metric("Projects", f"{int(now['project_count']):,}", delta("project_count"), delta_color="off")
c[1].metric(
    "Reported this week",
    f"{int(now['reporting_count']):,} of {int(now['expected_count']):,}",
    help="Projects expected to report (stage in health.active_stages) whose latest report is for "
    f"this very week. {int(now['not_expected_count']):,} projects (Closed and other inactive stages) "
    "are not expected to report.",
)
c[2].metric(
    "Missing reports",
    f"{int(now['stale_count']):,}",
    delta("stale_count"),
    delta_color="inverse",
    help="Projects expected to report whose latest report is a week old or older "
    "(the same count as Data quality's 'missing').",
)
c[3].metric(
    "Watermelons",
    int(now["watermelon_count"]),
    delta("watermelon_count"),
    delta_color="inverse",
    help="Declared Green by the PM, Red by the rules.",
)

m = ui.metric_columns(5)
m[0].metric(
    measures.label("bac"), measures.fmt("bac", now["total_bac"]), help=measures.MEASURES["bac"].description
)
m[1].metric("AC to date", measures.fmt("ac", now["total_ac"]), help=measures.MEASURES["ac"].description)
m[2].metric(
    measures.label("eac"), measures.fmt("eac", now["total_eac"]), help=measures.MEASURES["eac"].description
)
for col, name, key in ((m[3], "portfolio_cpi", "cpi"), (m[4], "portfolio_spi", "spi")):
    d = None
    if before[key] == before[key] and now[key] == now[key]:  # both present (not NaN)
        change = float(now[key]) - float(before[key])
        d = f"{change:+.3f}" if abs(change) >= 0.0005 else None
    col.metric(
        measures.label(name),
        measures.fmt(name, now[key]),
        d,
        help=f"{measures.MEASURES[name].formula}. {measures.MEASURES[name].description}",
    )

st.subheader("RAG this week, and the change since last week")
r = ui.metric_columns(6)
for i, rag in enumerate(("Red", "Amber", "Green")):
    for j, kind in enumerate(("declared", "computed")):
        col = f"{kind}_{rag.lower()}_count"
        r[i * 2 + j].metric(
            f"{rag} · {kind}",
            int(now[col]),
            delta(col),
            delta_color="inverse" if rag != "Green" else "normal",
            help="Declared by the PM"
            if kind == "declared"
            else "Computed by the rules: " + "; ".join(measures.rules_text()),
        )
not_judged = int(now["not_judged_count"])
if not_judged:
    by_stage_nj = int(now["not_judged_stage_count"])
    st.caption(
        f"Computed RAG: {not_judged:,} of {int(now['project_count']):,} projects are not judged: "
        f"{by_stage_nj:,} because their stage is not judged (Closed and other inactive stages), "
        f"{not_judged - by_stage_nj:,} because neither CPI nor SPI is known and no other rule fired "
        "(the project table's 'Why' column gives each project's reason)."
    )
ui.downloads(head, f"headline_{f['as_of']}", "headline")
ui.show_sql("health/headline")

left, right = st.columns(2)
with left:
    st.subheader("Projects by stage and declared RAG")
    by_stage = ui.query(snap, "home/projects_by_stage", as_of=f["as_of"], **scope)
    ui.chart(charts.projects_by_stage(by_stage), "stage_chart")
    ui.downloads(by_stage, f"projects_by_stage_{f['as_of']}", "stage")
    ui.show_sql("home/projects_by_stage")
with right:
    st.subheader("Five biggest movers")
    st.caption(
        "Computed RAG change first, then EAC change, then end-date slip. Click a row to open the project."
    )
    movers = ui.query(snap, "health/biggest_movers", as_of=f["as_of"], previous=previous, limit=5, **scope)
    if movers.empty:
        st.info("Nothing moved since last week.")
    else:
        ui.project_table(
            movers,
            "movers",
            f["as_of"],
            columns=["project_name", "rag_move", "eac_change", "slip_change_days"],
        )
    ui.downloads(movers, f"biggest_movers_{f['as_of']}", "movers")
    ui.show_sql("health/biggest_movers")
