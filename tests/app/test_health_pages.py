"""AppTest for the health pages: Home, Portfolio health, What changed, Data quality, Project."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from epmo import health, sql
from epmo.store import Store
from tests.conftest import DEMO_END

ROOT = Path(__file__).resolve().parents[2]


def _ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_home_headline_matches_the_health_view(app: AppTest, demo_store: Store) -> None:
    app.run()
    _ok(app)
    view = health.project_health_view(demo_store, DEMO_END)
    assert int(_metric(app, "Projects").replace(",", "")) == len(view)
    assert int(_metric(app, "Red · computed")) == int((view["rag_computed"] == "Red").sum())
    assert int(_metric(app, "Watermelons")) == int(view["is_watermelon"].sum())
    cpi = view.dropna(subset=["ev", "ac"])
    assert _metric(app, "Portfolio CPI") == f"{cpi['ev'].sum() / cpi['ac'].sum():.2f}"
    assert any("biggest movers" in s.value for s in app.subheader)


TAB_HEADINGS = {
    "Overview": "RAG matrix",
    "Projects": "All projects: declared and computed RAG, earned value",
    "Budget burn": "Budget burn",
    "Milestones": "Milestone trend",
    "RAID": "Cross-project dependencies",
}


def test_health_page_runs_only_the_open_tab(app: AppTest) -> None:
    app.switch_page("app_pages/health.py").run()
    _ok(app)
    assert app.title[0].value == "Portfolio health"
    assert [t.label for t in app.tabs] == list(TAB_HEADINGS)
    for tab, heading in TAB_HEADINGS.items():
        app.session_state["tab"] = tab
        app.run()
        _ok(app)
        shown = {s.value for s in app.subheader}
        assert heading in shown, (tab, shown)
        others = {h for t, h in TAB_HEADINGS.items() if t != tab}
        assert not shown & others, (tab, shown & others)


def test_health_tab_opens_from_the_address(app: AppTest) -> None:
    app.query_params["tab"] = "Milestones"
    app.switch_page("app_pages/health.py").run()
    _ok(app)
    assert [s.value for s in app.subheader] == ["Milestone trend", "Milestone slippage"]


def test_health_projects_tab_table_and_toggle(app: AppTest, demo_store: Store) -> None:
    app.switch_page("app_pages/health.py")
    app.session_state["tab"] = "Projects"
    app.run()
    _ok(app)
    everyone = len(health.project_health_view(demo_store, DEMO_END))
    assert everyone in [len(df.value) for df in app.dataframe]  # the all-projects table
    app.toggle(key="only_disagree").set_value(True).run()
    _ok(app)
    assert max(len(df.value) for df in app.dataframe if "rag_declared" in df.value.columns) < everyone


def test_health_overview_by_programme(app: AppTest) -> None:
    app.switch_page("app_pages/health.py").run()
    app.segmented_control(key="matrix_level").set_value("programme").run()
    _ok(app)
    assert any(s.value == "By programme" for s in app.subheader)


def test_health_page_follows_the_portfolio_filter(app: AppTest) -> None:
    app.switch_page("app_pages/health.py").run()
    first = app.sidebar.multiselect(key="portfolios").options[0]
    app.sidebar.multiselect(key="portfolios").select(first).run()
    _ok(app)
    summary = next(df.value for df in app.dataframe if "project_count" in df.value.columns)
    assert summary["portfolio"].tolist() == [first]


def test_what_changed_page(app: AppTest, demo_store: Store) -> None:
    app.switch_page("app_pages/changes.py").run()
    _ok(app)
    assert app.selectbox(key="since").value == health.previous_week(DEMO_END)
    expected = health.changes_view(demo_store, DEMO_END)
    assert int(_metric(app, "Changes shown").replace(",", "")) == len(expected)
    app.multiselect(key="change_kinds").select("rag_computed").run()
    _ok(app)
    assert int(_metric(app, "Changes shown")) == int((expected["change_type"] == "rag_computed").sum())
    # the table, the kinds and the caption read as words, not as the query's codes
    shown = next(df for df in app.dataframe if "change_type" in df.value.columns)
    table = shown.value
    assert set(table["change_type"]) == {"Computed RAG"}
    # a computed RAG that is no longer judged says so (it was an empty cell), never None
    assert (
        "not judged" in set(table["after_value"])
        and shown.proto.HasField("placeholder")
        and shown.proto.placeholder == ""
    )
    assert set(table["field"]) == {""}  # it read "Computed RAG" again beside the change
    kinds = app.multiselect(key="change_kinds").options  # as shown
    assert "Computed RAG" in kinds and not [k for k in kinds if "_" in k]
    captions = " ".join(c.value for c in app.caption)
    assert "change_amount" not in captions and "Amount: days for dates" in captions
    earlier = app.selectbox(key="since").options[-1]
    app.selectbox(key="since").select(earlier).run()
    _ok(app)


DAY = r"\d{2} [A-Z][a-z]{2} \d{4}"  # 27 Nov 2026
MONEY = r"-?[\d,.]+(K|M|B)?"  # 303K, 1.10M


@pytest.mark.parametrize(
    ("kind", "value", "amount"),
    [
        ("forecast_end", DAY, r"[+-][\d,]+ days?"),
        ("milestone", DAY, r"[+-][\d,]+ days?"),
        ("eac", MONEY, r"[+-]" + MONEY.removeprefix("-?")),
        ("rag_computed", r"Red|Amber|Green|not judged", r"(\d steps? (worse|better))?"),
    ],
)
def test_what_changed_reads_as_dates_money_and_units(
    app: AppTest, kind: str, value: str, amount: str
) -> None:
    """Before and After read "300100.0 -> 303600.0" and "2027-04-12"; the amount had no unit."""
    import re

    app.switch_page("app_pages/changes.py").run()
    app.multiselect(key="change_kinds").select(kind).run()
    _ok(app)
    shown = next(df for df in app.dataframe if "change_type" in df.value.columns)
    table = shown.value
    assert len(table) > 0
    for col in ("before_value", "after_value"):
        odd = [v for v in table[col] if not re.fullmatch(value, str(v))]
        assert not odd, (col, odd[:5])
    odd = [v for v in table["change_amount"] if not re.fullmatch(amount, str(v))]
    assert not odd, odd[:5]
    assert not (table["field"] == table["change_type"]).any()  # not "Computed RAG" twice


def test_data_quality_page(app: AppTest, demo_store: Store) -> None:
    app.switch_page("app_pages/data_quality.py").run()
    _ok(app)
    status = health.submission_status_view(demo_store, DEMO_END)
    active = status[status["is_active"]]
    assert int(_metric(app, "Missing")) == int((active["submission_status"] == "missing").sum())
    assert int(_metric(app, "Expected to report")) == len(active)
    managers = next(df.value for df in app.dataframe if "on_time_count" in df.value.columns)
    assert set(managers["project_manager"]) == set(active["project_manager"])


def test_project_page_from_a_shared_link(app: AppTest, demo_store: Store) -> None:
    view = health.project_health_view(demo_store, DEMO_END)
    pick = view.iloc[3]
    app.query_params["project"] = pick["project_id"]
    app.query_params["as_of"] = DEMO_END.isoformat()
    app.switch_page("app_pages/project.py").run()
    _ok(app)
    assert app.title[0].value == pick["project_name"]
    assert app.selectbox(key="project_pick").value == pick["project_id"]
    other = view.iloc[5]
    app.selectbox(key="project_pick").select(other["project_id"]).run()
    _ok(app)
    assert app.title[0].value == other["project_name"]
    assert app.query_params["project"] in (other["project_id"], [other["project_id"]])


def test_project_page_with_an_unknown_project_says_so(app: AppTest) -> None:
    app.query_params["project"] = "NOPE-1"
    app.switch_page("app_pages/project.py").run()
    _ok(app)
    assert any("NOPE-1" in w.value for w in app.warning)


def test_show_sql_builds_the_query_text_when_opened(app: AppTest) -> None:
    app.run()
    _ok(app)
    sql_boxes = [e.label for e in app.expander if e.label.startswith("Show SQL")]
    assert len(sql_boxes) >= 3 and len(set(sql_boxes)) == len(sql_boxes)  # each names its element
    assert "Show SQL: Headline" in sql_boxes and "Show SQL: Projects by stage" in sql_boxes
    assert not app.code  # nothing is built until an expander is opened
    app.session_state["show_sql_home/projects_by_stage"] = True
    app.run()
    _ok(app)
    assert len(app.code) == 1
    assert app.code[0].value.strip() == sql.query("home/projects_by_stage").text.strip()
