"""AppTest for the capacity pages, on the small demo store."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from epmo import capacity
from epmo.store import Store
from tests.app.conftest import sign_in

ROOT = Path(__file__).resolve().parents[2]


def _no_errors(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _frame(at: AppTest, column: str):  # type: ignore[no-untyped-def]
    """The first table showing `column` (AppTest finds tables by position, not key)."""
    for element in at.dataframe:
        if column in element.value.columns:
            return element.value
    raise AssertionError(f"no table with a {column!r} column")


def _metric(at: AppTest, label: str) -> str:
    return str(next(m.value for m in at.metric if m.label == label))


def test_heatmap_page_drill_down_and_shortages(app: AppTest) -> None:
    app.switch_page("app_pages/capacity.py").run()
    _no_errors(app)
    assert app.title[0].value == "Capacity heatmap"
    assert any("Click a cell" in c.value for c in app.caption)
    shortage = _frame(app, "top_projects")
    assert len(shortage) > 0 and (shortage["shortage_hours"] > 0).all()
    past = [e.label for e in app.expander if e.label.startswith("Demand dated before the as-of week")]
    assert len(past) == 1 and "left out of the heatmap" in past[0]  # stale reports plan past weeks
    app.toggle(key="cap_only_short").set_value(False).run()
    everything = _frame(app, "top_projects")
    assert (everything["shortage_hours"] <= 0).any() and len(everything) > len(shortage)  # spare cells too
    row = app.selectbox(key="cap_drill_row")
    row.set_value(row.options[0]).run()
    period = app.selectbox(key="cap_drill_period")
    period.set_value(period.options[1]).run()
    _no_errors(app)
    drill = _frame(app, "share_pct")
    assert len(drill) > 0 and drill["project_id"].str.startswith("PRJ-").all()
    summary = next(m.value for m in app.markdown if re.search(r"\d+ projects?\.$", m.value))
    demand = float(summary.split("demand ")[1].split(" h")[0].replace(",", ""))
    assert drill["demand_hours"].sum() == pytest.approx(demand, abs=1 + 0.1 * len(drill))
    assert summary.startswith(f"**{row.options[0]} · {period.options[1]}**")


def test_tentative_toggle_changes_the_drill_down(app: AppTest) -> None:
    app.switch_page("app_pages/capacity.py").run()
    app.selectbox(key="cap_drill_row").set_value("Developer").run()
    periods = app.selectbox(key="cap_drill_period").options
    app.selectbox(key="cap_drill_period").set_value(periods[-1]).run()  # far out: mostly tentative
    both = _frame(app, "share_pct")
    assert both["tentative_hours"].sum() > 0
    app.radio(key="cap_demand").set_value("confirmed").run()
    _no_errors(app)
    confirmed = (
        _frame(app, "share_pct") if any("share_pct" in d.value.columns for d in app.dataframe) else None
    )
    if confirmed is not None and len(confirmed):
        assert confirmed["tentative_hours"].sum() == 0
        assert confirmed["demand_hours"].sum() < both["demand_hours"].sum()
    else:  # nothing confirmed that far out
        assert any("No demand in this cell" in i.value for i in app.info)


@pytest.mark.parametrize(("by", "grain"), [("team", "week"), ("person", "quarter"), ("role_team", "month")])
def test_heatmap_rows_and_columns(app: AppTest, by: str, grain: str) -> None:
    app.switch_page("app_pages/capacity.py").run()
    app.selectbox(key="cap_by").set_value(by)
    app.selectbox(key="cap_grain").set_value(grain)
    app.toggle(key="cap_labels").set_value(True).run()
    _no_errors(app)
    assert len(app.get("plotly_chart")) == 1
    assert len(_frame(app, "top_projects").columns) >= 6
    # the shortages' period as the heatmap's columns name it ("1 Nov 2026" for November)
    shortage = next(d for d in app.dataframe if "top_projects" in d.value.columns)
    period = json.loads(shortage.proto.columns)["period_start"]["type_config"]["format"]
    assert period == {"week": "DD MMM YYYY", "month": "MMM YYYY", "quarter": "YYYY [Q]Q"}[grain]


def test_what_if_apply_save_and_reopen(
    app: AppTest, demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    app.switch_page("app_pages/capacity_whatif.py").run()
    _no_errors(app)
    assert app.title[0].value == "Capacity what-if"
    assert _metric(app, "Changes") == "0" and _metric(app, "Cells changing band") == "0"
    spec = {
        "changes": [
            {"kind": "capacity", "role": "Developer", "from_month": "2026-12", "fte": -20},
            {"kind": "shift", "project_id": "PRJ-0001", "weeks": 6},
        ]
    }
    app.text_area(key="cap_json_edit").set_value(json.dumps(spec))
    app.button(key="cap_apply_json").click().run()
    _no_errors(app)
    assert _metric(app, "Changes") == "2"
    assert int(_metric(app, "Cells changing band")) > 0
    assert len(app.get("plotly_chart")) == 2  # baseline beside scenario
    changed = _frame(app, "scenario_band")
    assert (changed["baseline_band"] != changed["scenario_band"]).all()

    app.text_input(key="cap_save_name").set_value("Fewer developers")
    sign_in(app, demo_store, monkeypatch, "ana@example.org", "analyst")
    app.button(key="cap_save").click().run()
    _no_errors(app)
    assert any("Saved scenario 'Fewer developers'" in s.value for s in app.success)
    sc, doc = capacity.load_scenario(demo_store, "Fewer developers")
    assert len(sc.changes) == 2 and doc["saved_by"] == "ana@example.org"

    # anyone can reopen it: a fresh session starts from the baseline, then opens it
    fresh = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    fresh.user = {"email": "ana@example.org"}
    fresh.switch_page("app_pages/capacity_whatif.py").run()
    assert _metric(fresh, "Changes") == "0"
    fresh.selectbox(key="cap_open_name").set_value("Fewer developers")
    fresh.button(key="cap_open").click().run()
    _no_errors(fresh)
    assert _metric(fresh, "Changes") == "2"
    assert any("Opened 'Fewer developers'" in s.value for s in fresh.success)
    fresh.button(key="cap_rm_0").click().run()  # put the capacity back
    assert _metric(fresh, "Changes") == "1"


def test_what_if_add_change_widgets_and_bad_json(app: AppTest) -> None:
    app.switch_page("app_pages/capacity_whatif.py").run()
    project = app.selectbox(key="cap_add_project")
    project.set_value(project.options[0].split(" · ")[0]).run()
    app.button(key="cap_add").click().run()
    _no_errors(app)
    assert _metric(app, "Changes") == "1"
    assert any(m.value.startswith("1. Leave out PRJ-") for m in app.markdown)
    app.text_area(key="cap_json_edit").set_value(
        '{"changes": [{"kind": "scale", "project_id": "P1", "percent": -1}]}'
    )
    app.button(key="cap_apply_json").click().run()
    assert any(
        "Scenario not applied" in e.value and "'percent' must be between 0" in e.value for e in app.error
    )
    assert _metric(app, "Changes") == "1"  # unchanged
    app.text_area(key="cap_json_edit").set_value('[{"kind": "exclude", "project_id": "NOPE-1"}]')
    app.button(key="cap_apply_json").click().run()
    _no_errors(app)
    assert any("NOPE-1" in w.value and "no effect" in w.value for w in app.warning)


@pytest.mark.parametrize("page", ["app_pages/capacity.py", "app_pages/capacity_whatif.py"])
def test_pages_on_an_empty_store_say_so(store: Store, monkeypatch: pytest.MonkeyPatch, page: str) -> None:
    monkeypatch.setenv("EPMO_STORE", store.uri)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.switch_page(page).run()
    _no_errors(at)
    assert any("No demand or capacity" in i.value for i in at.info)


def test_a_cell_without_capacity_says_so(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.sql.test_capacity_queries import AS_OF, alloc, cap, commit, project

    commit(
        store,
        projects=[project("P1")],
        allocations=[alloc("P1", AS_OF.replace(day=1).replace(month=12), 115, role="Architect")],
        capacity=[cap(AS_OF.replace(day=1).replace(month=12), 230)],
    )
    monkeypatch.setenv("EPMO_STORE", store.uri)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.switch_page("app_pages/capacity.py").run()
    at.toggle(key="cap_labels").set_value(True).run()
    _no_errors(at)
    spec = at.get("plotly_chart")[0].proto.spec
    assert "No capacity" in spec and "no cap" in spec and "Infinity" not in spec
    at.selectbox(key="cap_drill_row").set_value("Architect").run()
    at.selectbox(key="cap_drill_period").set_value("Dec 2026").run()
    _no_errors(at)
    summary = next(m.value for m in at.markdown if re.search(r"\d+ projects?\.$", m.value))
    assert summary == "**Architect · Dec 2026**: demand 115 h, no capacity; 1 project."
    assert _frame(at, "share_pct")["project_id"].tolist() == ["P1"]
