"""AppTest for the SQL explorer: run a query, run a library query, parameters, refusals
shown as messages (never a traceback), the chart builder and the schema help."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest

from epmo import sql
from epmo.store import Store
from tests.conftest import DEMO_END

PAGE = "app_pages/explorer.py"


def _ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _result(at: AppTest) -> pd.DataFrame:
    """The results table: drawn last, below the editor and the library."""
    assert "explorer_result" in at.session_state
    return at.dataframe[-1].value


def _run_sql(at: AppTest, text: str) -> AppTest:
    at.text_area(key="explorer_sql").set_value(text).run()
    return at.button(key="explorer_run").click().run()


def test_runs_a_query_and_draws_a_chart(app: AppTest, demo_store: Store) -> None:
    app.switch_page(PAGE).run()
    _ok(app)
    assert app.title[0].value == "SQL explorer"
    _run_sql(app, "SELECT stage, count(*) AS project_count FROM projects GROUP BY stage ORDER BY stage")
    _ok(app)
    got = _result(app)
    expected = demo_store.frame("export/projects", as_of=DEMO_END)["stage"].value_counts().sort_index()
    assert got["stage"].tolist() == expected.index.tolist()
    assert got["project_count"].tolist() == expected.tolist()
    assert app.selectbox(key="chart_x").value == "stage"
    assert app.selectbox(key="chart_y").value == "project_count"
    charts = app.get("plotly_chart")
    assert len(charts) == 1
    app.segmented_control(key="chart_type").set_value("line").run()
    _ok(app)
    assert len(app.get("plotly_chart")) == 1
    assert any("rows" in c.value and "as of the week of 20 Nov 2026" in c.value for c in app.caption)


def test_runs_a_library_query_with_its_parameters(app: AppTest, demo_store: Store) -> None:
    app.switch_page(PAGE).run()
    app.selectbox(key="explorer_library").select("health/rag_matrix").run()
    _ok(app)
    assert any("Grain" in m.value for m in app.markdown)
    app.button(key="library_run").click().run()
    _ok(app)
    assert app.text_area(key="explorer_sql").value == sql.query("health/rag_matrix").text
    assert app.text_input(key="explorer_param_as_of").value == DEMO_END.isoformat()
    expected = demo_store.frame(
        "health/rag_matrix", as_of=DEMO_END, level="portfolio", portfolios=[], programmes=[]
    )
    assert _result(app).equals(expected)
    app.text_input(key="explorer_param_level").set_value("programme").run()
    app.button(key="explorer_run").click().run()
    _ok(app)
    by_programme = demo_store.frame(
        "health/rag_matrix", as_of=DEMO_END, level="programme", portfolios=[], programmes=[]
    )
    assert _result(app).equals(by_programme)


def test_a_definition_opens_in_the_editor_but_does_not_run(app: AppTest) -> None:
    app.switch_page(PAGE).run()
    app.selectbox(key="explorer_library").select("views/projects_as_of").run()
    _ok(app)
    assert app.button(key="library_run").disabled
    assert any("definition" in i.value for i in app.info)
    app.button(key="library_open").click().run()
    assert app.text_area(key="explorer_sql").value == sql.query("views/projects_as_of").text
    app.button(key="explorer_run").click().run()
    assert not app.exception
    assert [e.value for e in app.error] == [
        "CREATE is not allowed in the explorer: the explorer is read-only: data changes only through "
        "uploads. Use a WITH clause for intermediate results."
    ]


def test_refusals_and_bad_input_are_messages_not_tracebacks(app: AppTest, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    app.switch_page(PAGE).run()
    for text, words in (
        (f"COPY projects TO '{out}/x.csv'", "COPY is not allowed in the explorer"),
        ("SELECT * FROM read_text('/etc/passwd')", "access is disabled"),
        ("SELECT * FROM no_such_table", "the schema lists every table"),
        ("SELECT count(*) FROM projects_as_of(CAST($week AS DATE))", "$week: fill in a date"),
    ):
        _run_sql(app, text)
        assert not app.exception, text
        assert len(app.error) == 1 and words in app.error[0].value, (text, [e.value for e in app.error])
    assert not list(out.iterdir())


def test_parameters_get_inputs(app: AppTest, demo_store: Store) -> None:
    app.switch_page(PAGE).run()
    app.text_area(key="explorer_sql").set_value(
        "SELECT count(*) AS n FROM projects_as_of(CAST($week AS DATE))"
    ).run()
    app.text_input(key="explorer_param_week").set_value("2026-10-02").run()
    app.button(key="explorer_run").click().run()
    _ok(app)
    import datetime as dt

    assert _result(app)["n"].iloc[0] == len(demo_store.frame("export/projects", as_of=dt.date(2026, 10, 2)))


def test_truncation_is_said(app: AppTest) -> None:
    app.switch_page(PAGE).run()
    _run_sql(app, "SELECT * FROM range(10001)")
    assert not app.exception
    assert len(_result(app)) == 10_000
    assert any("Only the first 10,000 rows" in w.value for w in app.warning)


def test_schema_help_lists_the_views(app: AppTest) -> None:
    app.switch_page(PAGE).run()
    _ok(app)
    tables = app.selectbox(key="schema_table").options
    assert {"projects", "project_health", "uploads", "raw_projects", "raw_uploads"} <= set(tables)
    app.selectbox(key="schema_table").select("project_health").run()
    columns = next(df.value for df in app.dataframe if "column_name" in df.value.columns)
    assert {"project_id", "cpi", "rag_computed"} <= set(columns["column_name"])


def test_parameter_defaults_follow_the_sidebar_week_unless_edited(app: AppTest) -> None:
    app.switch_page(PAGE).run()
    app.text_area(key="explorer_sql").set_value("SELECT $as_of AS a, $since AS s").run()
    assert app.text_input(key="explorer_param_as_of").value == DEMO_END.isoformat()
    earlier = app.sidebar.selectbox(key="as_of").options[3]
    app.text_input(key="explorer_param_since").set_value("2026-01-02").run()
    app.sidebar.selectbox(key="as_of").select(earlier).run()
    _ok(app)
    week = app.sidebar.selectbox(key="as_of").value
    assert week != DEMO_END
    assert app.text_input(key="explorer_param_as_of").value == week.isoformat()
    assert app.text_input(key="explorer_param_since").value == "2026-01-02"  # edited: kept
