"""Streamlit AppTest for every page, on the small demo store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from epmo import demo
from tests.app.conftest import validation_report
from tests.conftest import DEMO_END

ROOT = Path(__file__).resolve().parents[2]


def _no_errors(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def test_home(app: AppTest) -> None:
    app.run()
    _no_errors(app)
    assert app.title[0].value == "Portfolio overview"
    labels = {m.label: m.value for m in app.metric}
    assert int(labels["Projects"].replace(",", "")) > 10
    assert app.sidebar.selectbox(key="as_of").value == DEMO_END


def test_the_sidebar_opens_on_this_week_not_on_an_upload_ahead(app: AppTest, demo_store) -> None:  # type: ignore[no-untyped-def]
    """An upload may be for a week up to 28 days ahead: it opened every page on that week,
    where every other project was missing. The week ahead is still there to choose."""
    import datetime as dt

    from tests.conftest import project, upload_tables

    ahead = DEMO_END + dt.timedelta(weeks=3)
    upload_tables(demo_store, ahead, projects=[project("EARLY-1")])
    app.run()
    _no_errors(app)
    week = app.sidebar.selectbox(key="as_of")
    assert week.value == DEMO_END and f"{ahead:%a %d %b %Y}" in week.options


def test_home_filters_by_portfolio(app: AppTest) -> None:
    app.run()
    total = int(next(m.value for m in app.metric if m.label == "Projects").replace(",", ""))
    first = app.sidebar.multiselect(key="portfolios").options[0]
    app.sidebar.multiselect(key="portfolios").select(first).run()
    _no_errors(app)
    filtered = int(next(m.value for m in app.metric if m.label == "Projects").replace(",", ""))
    assert 0 < filtered < total
    assert app.query_params["portfolio"] in (first, [first])


def test_upload_page_validates_and_commits(app: AppTest) -> None:
    app.switch_page("app_pages/upload.py").run()
    _no_errors(app)
    data = demo.sample_extract("small", seed=3, end=DEMO_END)
    app.file_uploader(key="upload_file").upload(
        "extract.xlsx", data, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    app.date_input(key="upload_as_of").set_value(DEMO_END).run()
    _no_errors(app)
    assert "is valid" in app.success[0].value
    app.button(key="commit").click().run()
    assert any("Stored as upload" in s.value for s in app.success)
    # the verdict and the commit button of before are gone: a second click could only say
    # "already stored"
    assert not any("is valid" in s.value for s in app.success)
    assert not [b for b in app.button if b.key == "commit"]
    # the next run: the file is stored already, nothing to commit (not "Stored" for good:
    # retracted, the same file could be committed again)
    app.run()
    assert any("already stored" in i.value for i in app.info)
    assert not [b for b in app.button if b.key == "commit"]


def test_the_upload_week_is_typed_day_first(app: AppTest) -> None:
    """The as-of week is typed as the app writes dates (27/11/2026), not Streamlit's YYYY/MM/DD."""
    app.switch_page("app_pages/upload.py").run()
    _no_errors(app)
    assert app.date_input(key="upload_as_of").proto.format == "DD/MM/YYYY"


def test_upload_page_reports_errors(app: AppTest) -> None:
    app.switch_page("app_pages/upload.py").run()
    app.file_uploader(key="upload_file").upload(
        "projects.csv", b"project_id,project_name\nP1,A\n", "text/csv"
    ).run()
    assert not app.exception
    assert "cannot be stored" in app.error[0].value
    assert "Required column" in validation_report(app).to_csv()


def test_submissions(app: AppTest) -> None:
    app.switch_page("app_pages/submissions.py").run()
    _no_errors(app)
    assert int(next(m.value for m in app.metric if m.label == "Uploads").replace(",", "")) > 50
    # the week as every other page writes it (27 Nov 2026), not 2026-11-27
    assert next(m.value for m in app.metric if m.label == "Latest week") == f"{DEMO_END:%d %b %Y}"
    assert len(app.dataframe[0].value) > 50


def test_tables(app: AppTest) -> None:
    app.switch_page("app_pages/tables.py").run()
    _no_errors(app)
    frame = app.dataframe[0].value
    assert {"project_id", "as_of_date", "weeks_stale"} <= set(frame.columns)
    # the tables read as words, not as the store's names; the caption gives the name for SQL
    assert app.button_group(key="table_view").options == [
        "Projects",
        "Milestones",
        "RAID",
        "Allocations (demand)",
        "Capacity (supply)",
        "Financials",
        "Work items",
    ]
    assert "In the SQL explorer and in exports this table is `projects`" in app.caption[0].value
    app.button_group(key="table_view").set_value("work_items").run()
    _no_errors(app)
    assert "item_key" in app.dataframe[0].value.columns
    assert "this table is `work_items`" in app.caption[0].value


def test_a_relabelled_date_column_keeps_its_date_format() -> None:
    """A page that renames a date column keeps "13 Nov 2026" (the Reminders page's oldest
    report read "2026-11-13 00:00:00")."""

    def script() -> None:
        import pandas as pd

        from app_pages import _shared as ui

        frame = pd.DataFrame({"oldest_report": pd.to_datetime(["2026-11-13"]), "n": [2]})
        ui.table(frame, column_config={"oldest_report": "Oldest", "n": "Count"})

    at = AppTest.from_function(script).run()
    _no_errors(at)
    shown = json.loads(at.dataframe[0].proto.columns)
    assert shown["oldest_report"] == {
        "label": "Oldest",
        "type_config": {"type": "date", "format": "DD MMM YYYY"},
    }
    assert shown["n"]["label"] == "Count"


def test_a_moment_column_reads_as_day_time_and_utc() -> None:
    """Submissions' "Committed at" and Audit's "When" read "2026-11-30 13:45:20+00:00": a
    column ending in _at is a day and a time, in UTC."""

    def script() -> None:
        import pandas as pd

        from app_pages import _shared as ui

        frame = pd.DataFrame(
            {
                "event_at": pd.to_datetime(["2026-11-30 13:45:20"]).tz_localize("UTC"),
                "as_of_date": pd.to_datetime(["2026-11-27"]),
            }
        )
        ui.table(frame)

    at = AppTest.from_function(script).run()
    _no_errors(at)
    shown = json.loads(at.dataframe[0].proto.columns)
    assert shown["event_at"] == {
        "label": "When",
        "type_config": {"type": "datetime", "format": "DD MMM YYYY HH:mm [UTC]", "timezone": "UTC"},
    }
    assert shown["as_of_date"]["type_config"] == {"type": "date", "format": "DD MMM YYYY"}


def test_counts_days_and_hours_read_with_thousands_separators() -> None:
    """Flow's summary read "14054" items and Capacity's shortages "13134" hours beside
    "16,260 h" elsewhere: counts, days and hours are grouped by thousands."""

    def script() -> None:
        import pandas as pd

        from app_pages import _shared as ui

        ui.table(pd.DataFrame({"items": [14054], "cycle_time_p85": [13], "demand_hours": [13134.4]}))

    at = AppTest.from_function(script).run()
    _no_errors(at)
    shown = json.loads(at.dataframe[0].proto.columns)
    assert [shown[c]["type_config"]["format"] for c in ("items", "cycle_time_p85", "demand_hours")] == [
        "%,d",
        "%,d",
        "%,.0f",
    ]


def test_a_file_saying_another_week_can_be_reported_for_it_in_one_click(app: AppTest) -> None:
    """A file whose own as-of column says another week is refused; the page offers that week
    (it said only "choose the week the file says", and the pm had to type it)."""
    import datetime as dt

    from tests.conftest import PROJECT_HEADER, project_row

    week = DEMO_END - dt.timedelta(weeks=2)
    text = PROJECT_HEADER + ",Week ending\n" + project_row("NEW-1") + f",{week.isoformat()}\n"
    app.switch_page("app_pages/upload.py").run()
    app.file_uploader(key="upload_file").upload("projects.csv", text.encode(), "text/csv")
    app.date_input(key="upload_as_of").set_value(DEMO_END).run()
    assert not app.exception
    assert "cannot be stored" in app.error[0].value
    [conflict] = validation_report(app)["problem"].tolist()
    assert f"'Week ending' of file 'projects.csv' says the week of {week:%d %b %Y}" in conflict
    offer = app.button(key="upload_use_file_week")
    assert offer.label == f"Report it for the week of {week:%d %b %Y}, as the file says"
    offer.click().run()
    _no_errors(app)
    assert app.date_input(key="upload_as_of").value == week
    assert "is valid" in app.success[0].value
    assert not [b for b in app.button if b.key == "upload_use_file_week"]


def test_a_jira_export_and_its_status_history_on_the_upload_page(app: AppTest, demo_store) -> None:  # type: ignore[no-untyped-def]
    """The page took no status history, so a pm on the web never got the start of a finished
    item (no cycle times) and a re-upload cleared the starts a history had given."""
    fixtures = ROOT / "tests" / "fixtures"
    pid = demo_store.rows("project/projects", as_of=DEMO_END, portfolios=[], programmes=[])[0]["project_id"]
    app.switch_page("app_pages/upload.py").run()
    app.text_input(key="upload_project").input(pid)
    app.file_uploader(key="upload_wi_history").upload(
        "history.csv", (fixtures / "jira_status_history.csv").read_bytes(), "text/csv"
    )
    export = (
        "Issue key,Summary,Issue Type,Status,Created,Resolved,Status Category\n"
        "PAY-2,Pay slip shows YTD tax,Story,Done,03/Mar/26 11:15 AM,24/Mar/26 4:45 PM,Done\n"
        "PAY-3,Bank file,Story,In Progress,04/Mar/26 9:00 AM,,In Progress\n"
    )
    app.file_uploader(key="upload_file").upload("export.csv", export.encode(), "text/csv")
    app.date_input(key="upload_as_of").set_value(DEMO_END).run()
    _no_errors(app)
    assert "is valid" in app.success[0].value, app.success[0].value
    app.button(key="commit").click().run()
    assert any("Stored as upload" in s.value for s in app.success)
    rows = {
        r["item_key"]: r
        for r in demo_store.rows("export/work_items", as_of=DEMO_END)
        if r["project_id"] == pid
    }
    # PAY-2 is Done: its start comes from the history alone (the export has none for a done item)
    assert str(rows["PAY-2"]["started_date"])[:10] == "2026-03-12"


@pytest.mark.parametrize(
    ("given", "shown"), [("9999-12-31", None), ("1900-01-05", None), ("2026-10-02", "2026-10-02")]
)
def test_a_link_s_week_out_of_range_opens_the_latest(app: AppTest, given: str, shown: str | None) -> None:
    """as_of=9999-12-31 in the address made every page say no project had reported (the
    address's week had no bounds, an upload's has)."""
    app.query_params["as_of"] = given
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    week = app.selectbox(key="as_of").value
    if shown is None:
        assert week == DEMO_END and any("out of range" in w.value for w in app.sidebar.warning)
    else:
        assert week.isoformat() == shown and not any("out of range" in w.value for w in app.sidebar.warning)
    assert app.query_params["as_of"] in (week.isoformat(), [week.isoformat()])


def test_the_week_and_filters_chosen_on_one_page_hold_on_the_next(app: AppTest) -> None:
    """The week and portfolio chosen on Home were back to their defaults on Portfolio health
    (Streamlit drops a page's widget state on a page switch): an analyst compared one week's
    figures on Home with another week's on the next page. A link's own week still wins."""
    app.run()
    app.sidebar.selectbox(key="as_of").select(app.sidebar.selectbox(key="as_of").options[3]).run()
    week = app.sidebar.selectbox(key="as_of").value
    assert week != DEMO_END
    portfolio = app.sidebar.multiselect(key="portfolios").options[1]
    app.sidebar.multiselect(key="portfolios").select(portfolio).run()
    programme = app.sidebar.multiselect(key="programmes").options[0]
    app.sidebar.multiselect(key="programmes").select(programme).run()
    for page in ("app_pages/health.py", "app_pages/data_quality.py", "app_pages/home.py"):
        app.switch_page(page).run()
        assert not app.exception, page
        assert app.sidebar.selectbox(key="as_of").value == week, page
        assert app.sidebar.multiselect(key="portfolios").value == [portfolio], page
        assert app.sidebar.multiselect(key="programmes").value == [programme], page
        assert app.query_params["as_of"] in (week.isoformat(), [week.isoformat()])
    app.query_params["as_of"] = DEMO_END.isoformat()  # a link to a week (open_project's)
    app.switch_page("app_pages/health.py").run()
    assert app.sidebar.selectbox(key="as_of").value == DEMO_END
    assert app.sidebar.multiselect(key="portfolios").value == [portfolio]  # the link names none
