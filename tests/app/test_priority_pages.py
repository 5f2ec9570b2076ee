"""AppTest for the Prioritisation pages, on the small demo store."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from epmo import settings
from epmo.priority import models
from epmo.store import Store
from tests.app.conftest import sign_in

ROOT = Path(__file__).resolve().parents[2]


def _no_errors(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _open(app: AppTest, page: str) -> AppTest:
    app.run()
    app.switch_page(f"app_pages/{page}.py").run()
    return app


def test_ranking_page_names_the_model_and_compares(app: AppTest) -> None:
    _open(app, "priority_ranking")
    _no_errors(app)
    assert app.title[0].value == "Project ranking"
    assert "weighted (built-in)" in app.caption[0].value
    table = app.dataframe[0].value
    assert table["rank"].iloc[0] == 1 and "strategic_alignment_contribution" in table.columns
    shown = json.loads(app.dataframe[0].proto.columns)  # the columns as a person reads them
    assert shown["strategic_alignment_contribution"]["label"] == "Strategic alignment"
    assert shown["score"]["type_config"]["format"] == "%.3f"  # 0.700, not 0.7 next to 0.834
    app.selectbox(key="prio_model").set_value("wsjf").run()
    _no_errors(app)
    assert "Ranked by **wsjf (built-in)**" in app.caption[0].value
    assert "business_value_contribution" in app.dataframe[0].value.columns
    app.selectbox(key="prio_compare").set_value("rice").run()
    _no_errors(app)
    compare = app.dataframe[1].value
    assert {"rank_a", "rank_b", "movement"} <= set(compare.columns)
    assert compare["movement"].str.contains("▲").any() and compare["movement"].str.contains("▼").any()
    assert len(app.get("plotly_chart")) == 2  # breakdown and the rank-change slope chart
    app.switch_page("app_pages/priority_sensitivity.py").run()
    assert app.selectbox(key="prio_model").value == "wsjf"  # the model choice follows to the next page


def test_ranking_filters(app: AppTest) -> None:
    _open(app, "priority_ranking")
    total = len(app.dataframe[0].value)
    app.multiselect(key="prio_moscow").select("Should").run()
    _no_errors(app)
    shoulds = app.dataframe[0].value
    assert 0 < len(shoulds) < total and set(shoulds["moscow"]) == {"Should"}
    app.multiselect(key="prio_moscow").unselect("Should").run()
    app.multiselect(key="prio_excluded").set_value([]).run()  # every stage is a candidate
    _no_errors(app)
    assert len(app.dataframe[0].value) > total


def test_sensitivity_page(app: AppTest) -> None:
    _open(app, "priority_sensitivity")
    _no_errors(app)
    assert app.title[0].value == "Rank sensitivity"
    assert "1,000 runs" in app.caption[0].value
    sens = app.dataframe[0].value
    assert (sens["rank_min"] <= sens["base_rank"]).all() and (sens["base_rank"] <= sens["rank_max"]).all()
    app.number_input(key="sens_runs").set_value(200).run()
    first = app.dataframe[0].value
    app.number_input(key="sens_seed").set_value(9).run()
    app.number_input(key="sens_seed").set_value(42).run()
    assert app.dataframe[0].value.equals(first)  # the same seed, the same ranges


def test_selection_page_solves_reports_infeasible_and_saves_scenarios(
    app: AppTest, demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    _open(app, "priority_selection")
    _no_errors(app)
    assert app.title[0].value == "Portfolio selection"
    metrics = {m.label: m.value for m in app.metric}
    assert int(metrics["Projects chosen"].split(" of ")[0]) > 0
    line = app.dataframe[0].value
    assert set(line["line"]) == {"Above the line", "Below the line"}
    frames = [d.value for d in app.dataframe]
    assert not any("best_total_score" in f.columns for f in frames)  # a closed tab does not solve
    app.session_state["sel_tabs"] = "Efficient frontier"
    app.run()
    _no_errors(app)
    front = next(d.value for d in app.dataframe if "best_total_score" in d.value.columns)
    assert {"budget", "best_total_score", "project_count"} <= set(front.columns)
    assert front["best_total_score"].dropna().is_monotonic_increasing
    app.session_state["sel_tabs"] = "Scenarios"
    app.number_input(key="sel_budget_m").set_value(0.0).run()
    assert not app.exception
    assert "No portfolio meets these constraints" in app.error[0].value
    assert "over the budget 0" in app.error[0].value
    app.number_input(key="sel_budget_m").set_value(9.0).run()
    app.toggle(key="sel_capacity").set_value(True).run()
    _no_errors(app)
    app.text_input(key="scn_name").input("nine million")
    sign_in(app, demo_store, monkeypatch, "analyst@example.org", "analyst")
    app.button(key="scn_save").click().run()
    _no_errors(app)
    assert any("Saved scenario nine million" in s.value for s in app.success)
    app.number_input(key="sel_budget_m").set_value(4.0).run()
    app.text_input(key="scn_name").input("four million")
    app.button(key="scn_save").click().run()
    app.multiselect(key="scn_compare").set_value(["four million", "nine million"]).run()
    _no_errors(app)
    compared = next(d.value for d in app.dataframe if "scenario" in d.value.columns)
    assert set(compared["scenario"]) == {"four million", "nine million"}
    assert set(compared["status"]) == {"optimal"}


def test_selection_page_reads_its_codes_as_words(app: AppTest) -> None:
    """The cost basis, MoSCoW and the constraints read as words (epmo.labels), not 'bac',
    'Moscow' or 'budget'; the data keeps the codes."""
    _open(app, "priority_selection")
    _no_errors(app)
    solved = next(c.value for c in app.caption if c.value.startswith("Solved exactly"))
    assert "cost of a project: Budget at completion (BAC)." in solved and "bac" not in solved
    assert app.radio(key="sel_basis").options == ["Budget at completion (BAC)", "Remaining cost (EAC − AC)"]
    line = app.dataframe[0]
    shown = json.loads(line.proto.columns)
    assert shown["moscow"]["label"] == "MoSCoW"
    assert shown["cost"]["label"] == "Cost" and shown["cost"]["help"] == "Budget at completion (BAC)"
    cons = next(d for d in app.dataframe if "constraint" in d.value.columns)
    budget = cons.value[cons.value["kind"] == "Budget"]
    assert budget["constraint"].tolist() == ["Budget"]
    assert not set(cons.value["kind"]) & {"budget", "capacity", "dependency"}
    assert json.loads(cons.proto.columns)["constraint"]["label"] == "Constraint"


def test_selection_page_shows_money_and_hours_as_the_app_does(app: AppTest) -> None:
    """The budget input is in millions with two decimals (the input cannot group digits);
    the constraints' used, limit and slack read in their unit, whole: money as 259.46M,
    capacity as 1,234 h (not 460,000.0 cut off on the left, nor a useless .0)."""
    _open(app, "priority_selection")
    _no_errors(app)
    budget = app.number_input(key="sel_budget_m")
    assert budget.label == "Budget (M)" and budget.proto.format == "%.2f"
    assert 0 < budget.value < 1_000  # millions, not 259497000
    app.toggle(key="sel_capacity").set_value(True).run()
    _no_errors(app)
    cons = next(d.value for d in app.dataframe if "constraint" in d.value.columns).set_index("kind")
    money = r"-?[\d,]+(\.\d\dM|\.\d\dB|(\.\d)?K)?"
    for kind, pattern in [("Budget", money), ("Capacity", r"-?[\d,]+ h")]:
        rows = cons.loc[[kind]]
        for col in ("used", "limit", "slack"):
            bad = [v for v in rows[col] if not re.fullmatch(pattern, v)]
            assert not bad, (kind, col, bad[:3])
    assert set(cons.loc[["Dependency"], "used"]) <= {""}  # a dependency has no amounts


def test_models_page_ahp_shows_the_consistency_ratio(app: AppTest) -> None:
    _open(app, "priority_models")
    app.toggle(key="mdl_ahp_weighted").set_value(True).run()
    _no_errors(app)
    ahp = next(c.value for c in app.caption if c.value.startswith("AHP weights"))
    assert "Consistency ratio 0.000" in ahp  # all comparisons equal: consistent, equal weights
    assert "Strategic alignment 20.0 %" in ahp  # the criteria as a person reads them
    assert not app.warning


def test_models_page_reads_criteria_and_codes_as_words(app: AppTest) -> None:
    """The criteria editor, the weights caption and the type picker show labels (epmo.labels),
    never strategic_alignment or minmax; the model's spec keeps the codes."""
    _open(app, "priority_models")
    _no_errors(app)
    editor = app.dataframe[0]
    shown = json.loads(editor.proto.columns)
    options = {
        col: {o["value"]: o["label"] for o in shown[col]["type_config"]["options"]}
        for col in ("column", "direction", "normalisation")
    }
    for col, code, words in [
        ("column", "strategic_alignment", "Strategic alignment"),
        ("column", "job_size", "Job size"),
        ("direction", "lower", "Lower values"),
        ("normalisation", "minmax", "Min–max (0 to 1)"),
    ]:
        assert options[col][code] == words, (col, code)
    assert "strategic_alignment" in set(editor.value["column"])  # the data keeps the codes
    weights = next(c.value for c in app.caption if c.value.startswith("Weights normalised"))
    assert "Strategic alignment 30.0 %" in weights and "Job size 15.0 %" in weights
    assert "_" not in weights
    kinds = app.selectbox(key="mdl_type_weighted")
    assert kinds.options == ["Weighted criteria", "WSJF", "RICE"]
    assert kinds.value == "weighted"


def test_models_page_saves_a_version(
    app: AppTest, demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    _open(app, "priority_models")
    _no_errors(app)
    assert app.title[0].value == "Scoring models"
    app.text_input(key="mdl_name").input("wsjf")
    app.button(key="mdl_save").click().run()
    assert "built-in model" in app.error[0].value  # reserved names are refused
    app.text_input(key="mdl_name").input("board 2027")
    sign_in(app, demo_store, monkeypatch, "chair@example.org", "analyst")
    app.button(key="mdl_save").click().run()
    assert not app.exception
    assert any("Saved board 2027 v1" in s.value for s in app.success)
    saved = demo_store.document(models.KIND, "board 2027")
    assert saved is not None and saved["saved_by"] == "chair@example.org"
    assert models.from_document(saved).type == "weighted"
    app.switch_page("app_pages/priority_ranking.py").run()
    app.selectbox(key="prio_model").set_value("board 2027").run()
    _no_errors(app)
    assert "Ranked by **board 2027 v1**" in app.caption[0].value


@pytest.mark.parametrize("slow", [True, False], ids=["slow-solve", "fast-solve"])
def test_frontier_tab_draws_the_levels_as_they_arrive_then_serves_them_from_the_cache(
    app: AppTest, monkeypatch: pytest.MonkeyPatch, slow: bool
) -> None:
    """The tab's one page-data call gets a callback: once the solve has run
    `PARTIAL_CHART_AFTER_S` (slow-solve: from the start), each level moves the progress bar
    ("level k of n") and the chart is redrawn at the first level and at shares of the
    levels; a solve faster than that (fast-solve) shows the bar at level 0 and then only the
    finished chart. The bar is gone at the end,
    the finished frontier is cached (a rerun, or another budget, does not solve again;
    other levels do)."""
    from app_pages import _priority
    from epmo.pagedata import priority as pages

    monkeypatch.setattr(_priority, "PARTIAL_CHART_AFTER_S", 0.0 if slow else 3600.0)

    solves: list[list[tuple[int, int, int]]] = []
    real = pages.frontier_levels

    def spy(*args, on_level=None, **kwargs):  # type: ignore[no-untyped-def]
        seen: list[tuple[int, int, int]] = []
        solves.append(seen)

        def hook(rows, done, steps):  # type: ignore[no-untyped-def]
            assert on_level is not None
            on_level(rows, done, steps)
            seen.append((len(rows), done, steps))

        return real(*args, on_level=hook, **kwargs)

    monkeypatch.setattr(pages, "frontier_levels", spy)
    from streamlit.elements.progress import ProgressMixin

    from epmo.priority import charts

    texts: list[str] = []
    drawn: list[int] = []
    real_progress, real_chart = ProgressMixin.progress, charts.frontier_chart
    monkeypatch.setattr(
        ProgressMixin,
        "progress",
        lambda dg, value, text=None, **kw: texts.append(str(text)) or real_progress(dg, value, text, **kw),
    )
    monkeypatch.setattr(
        charts, "frontier_chart", lambda front, *a: drawn.append(len(front)) or real_chart(front, *a)
    )
    _open(app, "priority_selection")
    assert solves == []  # the tab is closed
    app.session_state["sel_tabs"] = "Efficient frontier"
    app.run()
    _no_errors(app)
    steps = settings.current().priority.frontier_steps
    assert len(solves) == 1
    assert solves[0] == [(k, k, steps) for k in range(1, steps + 1)]
    assert texts == [f"Solving the frontier: level {k} of {steps}" for k in range(steps + 1 if slow else 1)]
    # the chart at the first level and at each of `frontier_redraws` equal shares of the
    # levels (the last share's is the finished chart), then the finished one
    n = settings.current().priority.frontier_redraws
    shares = [k for k in range(2, steps) if k * n // steps > (k - 1) * n // steps]
    assert drawn == ([1, *shares, steps] if slow else [steps]) and len(shares) == n - 1
    assert not app.get("progress")  # the bar is removed once the last level is in
    frontier_charts = [c.key for c in app.get("plotly_chart") if "frontier" in str(c.key)]
    assert frontier_charts == ["sel_frontier_chart"]  # the partial charts were replaced by it
    front = next(d.value for d in app.dataframe if "best_total_score" in d.value.columns)
    assert len(front) == steps and front["best_total_score"].dropna().is_monotonic_increasing
    app.run()
    app.number_input(key="sel_budget_m").set_value(5.0).run()
    _no_errors(app)
    assert len(solves) == 1  # cached: a rerun and another budget do not solve the frontier again
    assert drawn[-2:] == [steps, steps] and len(texts) == (steps + 1 if slow else 1)  # at once, no bar
    assert [c.key for c in app.get("plotly_chart") if "frontier" in str(c.key)] == ["sel_frontier_chart"]
    app.slider(key="sel_steps").set_value(11).run()
    _no_errors(app)
    assert len(solves) == 2 and solves[1][-1] == (11, 11, 11)
