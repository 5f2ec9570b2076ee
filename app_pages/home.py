"""Home: the portfolio as of the chosen week, in headline numbers, and what moved."""

import streamlit as st

from app_pages import _shared as ui
from epmo import charts, measures, pagedata

snap = ui.snapshot()
f = ui.sidebar(snap)
data = ui.page(pagedata.portfolio.home, snap, f)

st.title("Portfolio overview")
st.caption(
    f"As reported for the week of {f.as_of:%d %b %Y}"
    + ui.scope_text(f)
    + f" · changes against the week of {f.previous:%d %b %Y}"
)
if data.empty:
    st.info(
        "No projects have been reported on or before this week. Upload a weekly extract "
        "on the Upload page, or run `make run` to load the demo portfolio."
    )
    st.stop()
now = data.now


def delta(col: str, digits: int = 0) -> str | None:
    d = data.change(col)
    return f"{d:+,.{digits}f}" if d else None


c = ui.metric_columns(4)
c[0].metric("Projects", f"{int(now['project_count']):,}", delta("project_count"), delta_color="off")
c[1].metric(
    "Reported this week",
    f"{int(now['reporting_count']):,} of {int(now['expected_count']):,}",
    help=f"Projects expected to report (stage {ui.active_stages()}) whose latest report is for "
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
    change = data.change(key)
    col.metric(
        measures.label(name),
        measures.fmt(name, now[key]),
        f"{change:+.3f}" if change is not None and abs(change) >= 0.0005 else None,
        help=f"{measures.MEASURES[name].formula}. {measures.MEASURES[name].description}",
    )

st.subheader("RAG this week, and the change since last week")
for kind in ("declared", "computed"):  # a row each, so declared and computed read against each other
    r = ui.metric_columns(3)
    for i, rag in enumerate(("Red", "Amber", "Green")):
        col = f"{kind}_{rag.lower()}_count"
        r[i].metric(
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
ui.downloads(data.headline, f"headline_{f.as_of}", "headline")
ui.show_sql(data.sql["headline"], what="Headline")

# the movers' four columns need 600 px: three fifths of the page has that at 1440 px
left, right = st.columns([2, 3])
with left:
    st.subheader("Projects by stage and declared RAG")
    ui.chart(charts.projects_by_stage(data.by_stage), "stage_chart")
    ui.downloads(data.by_stage, f"projects_by_stage_{f.as_of}", "stage")
    ui.show_sql(data.sql["by_stage"])
with right:
    st.subheader("Five biggest movers")
    st.caption(
        "Computed RAG change first, then EAC change, then end-date slip. Click a row to open the project."
    )
    if data.movers.empty:
        st.info("Nothing moved since last week.")
    else:
        ui.project_table(
            data.movers,
            "movers",
            f.as_of,
            columns=["project_name", "rag_move", "eac_change", "slip_change_days"],
        )
    ui.downloads(data.movers, f"biggest_movers_{f.as_of}", "movers")
    ui.show_sql(data.sql["movers"])
