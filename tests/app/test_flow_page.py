"""AppTest for the Flow page on the demo store: every level, the figures it shows equal
the flow views', and the project level shows the forecast, its trend and its epics."""

from __future__ import annotations

import pandas as pd
from streamlit.testing.v1 import AppTest

from epmo import flow
from epmo.store import Store
from tests.conftest import DEMO_END


def _ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_flow_page_portfolio_and_project(app: AppTest, demo_store: Store) -> None:
    app.query_params["as_of"] = DEMO_END.isoformat()
    app.switch_page("app_pages/flow.py").run()
    _ok(app)
    whole = flow.export_flow_metrics(demo_store, DEMO_END, by="all").iloc[0]
    assert _metric(app, "WIP") == str(int(whole["wip"]))
    assert _metric(app, "Done / week") == f"{whole['throughput_per_week']:.1f}"
    forecasts = flow.export_flow_forecast(demo_store, DEMO_END)
    assert not forecasts.empty
    shown = [d.value for d in app.dataframe]
    assert any(isinstance(d, pd.DataFrame) and "p85_date" in d.columns for d in shown)

    app.radio(key="flow_level").set_value("Project").run()
    _ok(app)
    pid = app.selectbox(key="flow_scope_project").value
    per_project = flow.export_flow_metrics(demo_store, DEMO_END).set_index("scope").loc[pid]
    assert _metric(app, "WIP") == str(int(per_project["wip"]))
    assert _metric(app, "Items left") is not None
    assert any(s.value == "Trend of the forecast dates" for s in app.subheader)
    # how many by a date (documented, and shown nowhere): the page's figures are how_many_by's
    import datetime as dt

    by = DEMO_END + dt.timedelta(days=28)
    app.date_input(key="flow_by_date").set_value(by).run()
    _ok(app)
    con = demo_store.connect()
    try:
        many = flow.how_many_by(con, pid, DEMO_END, by)
    finally:
        con.close()
    assert many is not None
    said = next(t.value for t in app.text if t.value.startswith(f"By {by:%d %b %Y}"))
    assert (
        f"{many['at_least_p85']:,} (85 % likely)" in said
        and f"{many['remaining_items']:,} items left" in said
    )

    app.radio(key="flow_level").set_value("Team").run()
    _ok(app)
    assert app.selectbox(key="flow_scope_team").value
