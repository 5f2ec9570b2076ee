"""The portfolio MILP against brute force, infeasibility messages, ties, the frontier."""

from __future__ import annotations

import dataclasses
import itertools
import threading
import time

import numpy as np
import pandas as pd
import pytest

from epmo import priority
from epmo.priority.optimise import Infeasible, Problem, frontier, solve
from tests.brute_force import feasible


def brute_force(p: Problem) -> float | None:
    """Best total score over every subset that meets every constraint (None: none does)."""
    n = len(p.ids)
    subsets = np.array(list(itertools.product([False, True], repeat=n)), dtype=bool)
    ok = feasible(p, subsets, p.budget)
    if not ok.any():
        return None
    return float((subsets[ok] @ p.objective).max())


def cheapest_best(p: Problem, best: float) -> float:
    """The least cost over the feasible subsets whose total score is `best`."""
    n = len(p.ids)
    subsets = np.array(list(itertools.product([False, True], repeat=n)), dtype=bool)
    ok = feasible(p, subsets, p.budget) & np.isclose(subsets @ p.objective, best, atol=1e-6)
    return float((subsets[ok] @ p.cost).min())


def random_problem(rng: np.random.Generator) -> Problem:
    n = int(rng.integers(1, 16))
    ids = [f"P{i}" for i in range(n)]
    score = rng.integers(-3, 30, n).astype(float)
    score[rng.random(n) < 0.1] = np.nan  # unscored: counts 0
    cost = rng.integers(0, 100, n).astype(float)
    budget = float(rng.integers(0, int(cost.sum()) + 2))
    mandatory = {p for p in ids if rng.random() < 0.08}
    force_in = {p for p in ids if rng.random() < 0.05}
    force_out = {p for p in ids if rng.random() < 0.05 and p not in mandatory | force_in}
    deps = []
    for _ in range(int(rng.integers(0, n + 1))):
        a, b = rng.choice(n, 2, replace=True)
        if a != b:
            deps.append((ids[a], ids[b]))
    capacity = {}
    for r in range(int(rng.integers(0, 4))):
        demand = rng.integers(0, 40, n).astype(float) * (rng.random(n) < 0.6)
        capacity[(f"role{r}", "Jan 2027")] = (demand, float(rng.integers(0, int(demand.sum()) + 2)))
    return Problem(ids, score, cost, budget, mandatory, force_in, force_out, sorted(set(deps)), capacity)


def test_milp_matches_brute_force_on_random_instances() -> None:
    rng = np.random.default_rng(20261125)
    solved = infeasible = 0
    for _ in range(320):
        p = random_problem(rng)
        best = brute_force(p)
        try:
            sel = solve(p)
        except Infeasible:
            assert best is None, "the MILP said infeasible but a selection exists"
            infeasible += 1
            continue
        assert best is not None, f"no subset is feasible, yet the MILP chose {sel.chosen}"
        assert sel.total_score == pytest.approx(best, abs=1e-6)
        chosen = np.isin(p.ids, sel.chosen)
        # the returned selection itself meets every constraint
        assert sel.total_cost <= (p.budget or 0) + 1e-6
        for demand, cap in p.capacity.values():
            assert demand[chosen].sum() <= cap + 1e-6
        for a, b in p.dependencies:
            assert not (a in sel.chosen and b not in sel.chosen)
        assert (p.mandatory | p.force_in) <= set(sel.chosen)
        assert not (p.force_out & set(sel.chosen))
        solved += 1
    assert solved >= 200 and infeasible >= 5  # both paths are exercised


def test_mandatory_projects_over_budget_name_the_constraint() -> None:
    p = Problem(
        ["A", "B", "C"], np.array([5.0, 3, 1]), np.array([600.0, 500, 10]), 1000, mandatory={"A", "B"}
    )
    with pytest.raises(Infeasible, match=r"alone cost 1,100, over the budget 1,000 by 100"):
        solve(p)


def test_required_dependencies_count_towards_the_budget() -> None:
    p = Problem(
        ["A", "B"],
        np.array([5.0, 0]),
        np.array([600.0, 500]),
        1000,
        force_in={"A"},
        dependencies=[("A", "B")],
    )
    with pytest.raises(Infeasible, match="with what they depend on: 2 projects"):
        solve(p)


def test_capacity_infeasibility_names_role_and_month() -> None:
    p = Problem(
        ["A", "B"],
        np.array([1.0, 1]),
        np.array([1.0, 1]),
        10,
        mandatory={"A"},
        capacity={("Developer", "Jan 2027"): (np.array([120.0, 0]), 100.0)},
    )
    with pytest.raises(
        Infeasible, match="120 hours of Developer in Jan 2027, over the capacity 100 hours by 20"
    ):
        solve(p)


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"force_in": {"A"}, "force_out": {"A"}}, "both forced in and forced out"),
        ({"mandatory": {"A"}, "force_out": {"A"}}, "mandatory and cannot be forced out"),
        (
            {"force_in": {"A"}, "force_out": {"B"}, "dependencies": [("A", "B")]},
            "B is forced out but is needed by A",
        ),
    ],
)
def test_contradictions_are_explained(kw: dict, message: str) -> None:
    with pytest.raises(Infeasible, match=message):
        solve(Problem(["A", "B"], np.array([1.0, 1]), np.array([1.0, 1]), 10, **kw))


def test_unknown_forced_project_is_a_usage_error() -> None:
    with pytest.raises(ValueError, match="Z not among the candidate projects"):
        Problem(["A"], np.array([1.0]), np.array([1.0]), 10, force_in={"Z"})


# "programme": a budget alone (the exact dynamic programme); "milp": the same problem with a
# capacity row that limits nothing, which the MILP solves
SOLVERS = ["programme", "milp"]


def _via(solver: str, n: int) -> dict[str, object]:
    return {} if solver == "programme" else {"capacity": {("PM", "Jan 2027"): (np.zeros(n), 1.0)}}


@pytest.mark.parametrize("solver", SOLVERS)
def test_zero_and_negative_scores_are_only_chosen_when_forced(solver: str) -> None:
    ids = ["good", "zero", "negative", "blank", "base"]
    score = np.array([10.0, 0.0, -2.0, np.nan, -1.0])
    cost = np.array([10.0, 0.0, 1.0, 0.0, 5.0])
    via = _via(solver, len(ids))
    sel = solve(Problem(ids, score, cost, 1000, **via))  # type: ignore[arg-type]
    assert sel.chosen == ["good"]  # free zero-score and blank projects stay out
    assert solve(Problem(ids, score, cost, 1000, **via), tie_break=False).chosen == ["good"]  # type: ignore[arg-type]
    # a zero-score project needed by a chosen one stays; once nothing needs it, it goes
    chain = solve(
        Problem(ids, score, cost, 1000, dependencies=[("good", "zero"), ("zero", "blank")], **via),  # type: ignore[arg-type]
        tie_break=False,
    )
    assert set(chain.chosen) == {"good", "zero", "blank"}
    # "good" needs "base" (score -1): worth it, 10 - 1 > 0
    sel = solve(Problem(ids, score, cost, 1000, dependencies=[("good", "base")], **via))  # type: ignore[arg-type]
    assert set(sel.chosen) == {"good", "base"} and sel.total_score == 9
    assert sel.required == {}
    forced = solve(Problem(ids, score, cost, 1000, force_in={"negative"}, **via))  # type: ignore[arg-type]
    assert set(forced.chosen) == {"good", "negative"}
    assert forced.required == {"negative": "forced in"}


@pytest.mark.parametrize("solver", SOLVERS)
def test_among_equal_scores_the_cheapest_selection_wins(solver: str) -> None:
    p = Problem(
        ["A", "B", "C"], np.array([5.0, 5.0, 5.0]), np.array([30.0, 10.0, 20.0]), 35, **_via(solver, 3)
    )  # type: ignore[arg-type]
    sel = solve(p)
    assert set(sel.chosen) == {"B", "C"} and sel.total_cost == 30


def test_among_equal_scores_and_costs_the_milp_prefers_fewer_projects() -> None:
    """The MILP's tie-break blend prefers fewer projects at equal score and cost; the
    programme does not promise it (docs/priority.md)."""
    p = Problem(["B", "C", "A"], np.array([1.0, 1.0, 2.0]), np.array([1.0, 1.0, 2.0]), 2, **_via("milp", 3))  # type: ignore[arg-type]
    assert solve(p).chosen == ["A"]


def test_among_equal_scores_the_milp_takes_the_cheapest_even_with_more_projects() -> None:
    """One blended objective let one project fewer outweigh a saving: {A} (100) was chosen
    over {B, C} (90) at the same score. Cheapest first, then fewest."""
    cap = {("Dev", "Jan 2027"): (np.array([1.0, 1.0, 1.0, 1.0]), 10.0)}  # capacity: the MILP, not the DP
    p = Problem(
        ["A", "B", "C", "D"],
        np.array([2.0, 1.0, 1.0, 2.0]),
        np.array([100.0, 45.0, 45.0, 90.0]),
        100,
        capacity=cap,
    )
    assert solve(p).chosen == ["D"]  # 90, one project: cheapest, and fewest among the cheapest
    cap = {("Dev", "Jan 2027"): (np.array([1.0, 1.0, 1.0]), 10.0)}
    p = Problem(["A", "B", "C"], np.array([2.0, 1.0, 1.0]), np.array([100.0, 45.0, 45.0]), 100, capacity=cap)
    assert solve(p).chosen == ["B", "C"] and solve(p).total_cost == 90


def test_the_tie_break_is_the_cheapest_best_selection_on_random_instances() -> None:
    """Against brute force: the best score, and the least cost among the best-scoring subsets."""
    rng = np.random.default_rng(20261201)
    checked = 0
    for _ in range(200):
        p = random_problem(rng)
        try:
            sel = solve(p)
        except Infeasible:
            continue
        least = cheapest_best(p, sel.total_score)
        assert sel.total_cost == pytest.approx(least, abs=1e-6), (p, sel.chosen)
        checked += 1
    assert checked >= 100


def test_binding_constraints_are_reported() -> None:
    p = Problem(
        ["A", "B", "C"],
        np.array([5.0, 4.0, 3.0]),
        np.array([50.0, 50.0, 60.0]),
        100,
        dependencies=[("B", "A")],
        capacity={("PM", "Jan 2027"): (np.array([10.0, 10.0, 10.0]), 40.0)},
    )
    sel = solve(p)
    assert sel.chosen == ["A", "B"]
    rows = sel.constraints.set_index("constraint")
    assert rows.loc["budget", "slack"] == 0 and rows.loc["budget", "is_binding"]
    assert (
        rows.loc["Capacity: PM, Jan 2027", "slack"] == 20
        and not rows.loc["Capacity: PM, Jan 2027", "is_binding"]
    )
    assert rows.loc["B depends on A", "is_binding"]  # B is chosen, so A had to be
    assert rows.loc["B depends on A", "detail"] == "B is chosen, so A is in"
    assert rows.loc["Capacity: PM, Jan 2027", "detail"] == "20 left"


def test_frontier_is_monotone_and_ends_at_every_positive_project() -> None:
    rng = np.random.default_rng(5)
    p = random_problem(rng)
    p = Problem(p.ids, p.score, p.cost, None)
    front = frontier(p, 9)
    assert len(front) == 9 and front["budget"].iloc[0] == 0
    assert front["budget"].iloc[-1] == pytest.approx(p.cost.sum())
    scores = front["best_total_score"].to_numpy()
    assert np.all(np.diff(scores) >= -1e-9)
    assert scores[-1] == pytest.approx(np.nansum(np.clip(p.score, 0, None)))
    for _, row in front.iterrows():
        assert row["best_total_score"] == pytest.approx(
            brute_force(Problem(p.ids, p.score, p.cost, row["budget"]))
        )


def test_frontier_levels_below_the_mandatory_cost_are_infeasible() -> None:
    p = Problem(["A", "B"], np.array([1.0, 2.0]), np.array([50.0, 50.0]), None, mandatory={"A"})
    front = frontier(p, 5)  # budgets 0, 25, 50, 75, 100
    assert front["is_feasible"].tolist() == [False, False, True, True, True]
    assert front["best_total_score"].iloc[2:].tolist() == [1.0, 1.0, 3.0]


def test_build_problem_from_frames() -> None:
    ranked = pd.DataFrame(
        {
            "project_id": ["A", "B", "C"],
            "score": [3.0, np.nan, 1.0],
            "budget_bac": [100.0, 200.0, 300.0],
            "remaining_cost": [10.0, 0.0, 30.0],
            "is_mandatory": [False, True, None],
        }
    )
    deps = pd.DataFrame({"project_id": ["A", "C"], "depends_on_project_id": ["B", "Z"]})
    demand = pd.DataFrame(
        {
            "project_id": ["A", "B", "A"],
            "role": ["Dev", "Dev", "QA"],
            "period_start": pd.to_datetime(["2027-01-01", "2027-01-01", "2027-02-01"]),
            "demand_hours": [10.0, 5.0, 7.0],
        }
    )
    supply = pd.DataFrame(
        {"role": ["Dev"], "period_start": pd.to_datetime(["2027-01-01"]), "capacity_hours": [12.0]}
    )
    scn = priority.Scenario(budget=500, basis="remaining", with_capacity=True, force_out=["C"])
    p, notes = priority.build_problem(ranked, deps, scn, (demand, supply))
    assert p.cost.tolist() == [10.0, 0.0, 30.0]
    assert p.mandatory == {"B"} and p.force_out == {"C"}
    assert p.dependencies == [("A", "B")]
    assert list(p.capacity) == [("Dev", "Jan 2027")]
    assert p.capacity[("Dev", "Jan 2027")][0].tolist() == [10.0, 5.0, 0.0]
    assert any("C depends on Z" in n for n in notes)
    assert any("no capacity reported for QA in Feb 2027" in n for n in notes)
    with pytest.raises(Infeasible, match="Dev in Jan 2027"):  # B (mandatory) + A's need 15 > 12
        solve(
            Problem(p.ids, p.score, p.cost, p.budget, p.mandatory, {"A"}, set(), p.dependencies, p.capacity)
        )
    sel = solve(p)
    assert sel.chosen == ["B"]  # A would push Dev over its capacity


def _one_candidate_and_an_outsider(
    outsider: str, hours: tuple[float, float], capacity: float
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(ranked, dependencies, demand, supply): candidate A and a project that is not a
    candidate, each with hours of Dev in January 2027, and Dev's capacity that month."""
    ranked = pd.DataFrame(
        {
            "project_id": ["A"],
            "score": [1.0],
            "budget_bac": [1.0],
            "remaining_cost": [1.0],
            "is_mandatory": [False],
        }
    )
    deps = pd.DataFrame({"project_id": [], "depends_on_project_id": []})
    demand = pd.DataFrame(
        {
            "project_id": ["A", outsider],
            "role": ["Dev", "Dev"],
            "period_start": pd.to_datetime(["2027-01-01", "2027-01-01"]),
            "demand_hours": list(hours),
        }
    )
    supply = pd.DataFrame(
        {"role": ["Dev"], "period_start": pd.to_datetime(["2027-01-01"]), "capacity_hours": [capacity]}
    )
    return ranked, deps, demand, supply


def test_capacity_planned_by_projects_outside_the_selection_is_not_offered() -> None:
    # under a portfolio filter X is not a candidate: its 8 h of January stay its own
    ranked, deps, demand, supply = _one_candidate_and_an_outsider("X", (6.0, 8.0), 12.0)
    p, notes = priority.build_problem(
        ranked, deps, priority.Scenario(budget=10, with_capacity=True), (demand, supply)
    )
    assert p.capacity[("Dev", "Jan 2027")][1] == 4.0
    assert any("8 of 12 h are planned by projects outside this selection" in n for n in notes)
    assert solve(p).chosen == []  # A needs 6 h, only 4 are left


@pytest.mark.parametrize(
    ("scenario", "message"),
    [
        (priority.Scenario(basis="eac"), "budget basis must be one of bac, remaining"),
        (priority.Scenario(budget=-1), "must be a number >= 0"),
        (priority.Scenario(budget=float("nan")), "must be a number >= 0"),
    ],
)
def test_bad_scenarios(scenario: priority.Scenario, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        scenario.check()


def test_scenario_json_round_trip() -> None:
    s = priority.Scenario(
        model="wsjf", budget=1e6, basis="remaining", with_capacity=True, force_in=["A"], force_out=["B"]
    )
    assert priority.Scenario.from_json(s.to_json()) == s


def test_a_solver_time_limit_is_reported_not_hidden(monkeypatch: pytest.MonkeyPatch) -> None:
    from epmo.priority import optimise

    real = optimise.current()
    tiny = dataclasses.replace(real, priority=dataclasses.replace(real.priority, solver_time_limit_s=1e-9))
    monkeypatch.setattr(optimise, "current", lambda: tiny)
    rng = np.random.default_rng(3)
    n = 60
    p = Problem(
        [f"P{i}" for i in range(n)],
        rng.integers(1, 100, n).astype(float),
        rng.integers(1, 100, n).astype(float),
        1000.0,
        # a capacity row: the MILP solves it (a budget alone goes to the exact programme)
        capacity={("Developer", "Nov 2026"): (rng.integers(0, 10, n).astype(float), 1e9)},
    )
    try:
        sel = solve(p)
    except Infeasible as exc:  # stopped before any selection
        assert "time limit" in str(exc)
    else:
        assert not sel.is_optimal  # stopped with a selection that is not proven optimal


def _at(p: Problem, budget: float) -> Problem:
    return Problem(
        p.ids, p.score, p.cost, budget, p.mandatory, p.force_in, p.force_out, p.dependencies, p.capacity
    )


def test_frontier_shortcuts_give_the_scores_of_one_solve_per_level(monkeypatch: pytest.MonkeyPatch) -> None:
    """Top-down reuse (an optimum that fits the lower budget) and the levels decided without
    a solve (the required projects exceed the budget) against solving every level afresh
    and against brute force, on random instances with mandatory projects, dependencies and
    capacity; progress and the partial rows are reported once per level."""
    from epmo.frontier_levels import Levels

    solves = {"n": 0}
    real = Levels.solve

    def counted(self, budget):  # type: ignore[no-untyped-def]
        solves["n"] += 1
        return real(self, budget)

    monkeypatch.setattr(Levels, "solve", counted)
    rng = np.random.default_rng(20261129)
    fast_solves = slow_solves = decided = 0
    for _ in range(15):
        p = _at(random_problem(rng), None)  # type: ignore[arg-type]
        calls: list[tuple[int, int]] = []
        partial: list[pd.DataFrame] = []
        before = solves["n"]
        fast = frontier(
            p,
            11,
            progress=lambda d, n, calls=calls: calls.append((d, n)),
            partial=partial.append,
            workers=1,
            exact_dp=False,
        )
        fast_solves += solves["n"] - before
        before = solves["n"]
        slow = frontier(p, 11, reuse=False, workers=1, exact_dp=False)
        slow_solves += solves["n"] - before
        decided += int((~slow["is_feasible"]).sum())
        assert calls == [(d, 11) for d in range(1, 12)]
        assert [len(f) for f in partial] == list(range(1, 12))
        pd.testing.assert_frame_equal(partial[-1].reset_index(drop=True), fast)
        assert fast["is_feasible"].tolist() == slow["is_feasible"].tolist()
        np.testing.assert_allclose(fast["best_total_score"], slow["best_total_score"], equal_nan=True)
        for _, row in fast.iterrows():
            want = brute_force(_at(p, row["budget"]))
            assert (want is None) == (not row["is_feasible"])
            if want is not None:
                assert row["best_total_score"] == pytest.approx(want)
                assert row["total_cost"] <= row["budget"] + 1e-9
    assert slow_solves == 15 * 11 - decided  # infeasible levels are decided without a solve
    assert decided > 0 and fast_solves < slow_solves  # the shortcuts did skip solves


def _knapsack(seed: int, n: int) -> Problem:
    rng = np.random.default_rng(seed)
    ids = [f"P{i:03d}" for i in range(n)]
    score = rng.random(n) * 10
    cost = rng.integers(10, 1000, n).astype(float)
    deps = sorted({(ids[a], ids[b]) for a, b in rng.integers(0, n, (n // 8, 2)) if a != b})
    return Problem(ids, score, cost, None, {ids[0]}, set(), {ids[1]}, deps)


def test_frontier_in_worker_processes_equals_one_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two solvers (this thread and a worker process) give exactly the frame of one: the
    same scores, counts and costs, in the same order of final levels."""
    from epmo.priority import optimise

    started: list = []
    real = optimise._start_worker
    monkeypatch.setattr(optimise, "_start_worker", lambda: started.append(real()) or started[-1])
    monkeypatch.setattr(optimise, "_spare", None)
    monkeypatch.setattr(optimise, "prestart_worker", lambda: None)
    p = _knapsack(11, 70)
    one = frontier(p, 15, workers=1, exact_dp=False)
    seen: list[int] = []
    two = frontier(p, 15, workers=2, progress=lambda d, n: seen.append(d), exact_dp=False)
    pd.testing.assert_frame_equal(one, two)
    assert seen == list(range(1, 16))
    assert two.attrs["workers"] == 1 and two.attrs["levels_solved_by_workers"] >= 1
    assert one.attrs["workers"] == 0 and one.attrs["levels_solved_by_workers"] == 0
    assert len(started) == 1 and started[0].poll() is not None  # the worker is gone afterwards
    assert (~two["is_feasible"]).sum() >= 1 and two["is_feasible"].sum() >= 10
    for _, row in two[two["is_feasible"]].iterrows():  # each level is optimal (a solve of it alone)
        assert row["best_total_score"] == pytest.approx(
            solve(_at(p, row["budget"]), tie_break=False).total_score
        )


def test_the_worker_is_kept_busy_while_this_thread_solves(monkeypatch: pytest.MonkeyPatch) -> None:
    """This process's levels are solved on a thread, so the loop hands the worker its next
    level while one is solved here: with a slow solve here (0.5 s a level), the worker
    process solves most levels. Solved in the loop, the worker got one level per solve here,
    about half of them. The frame is the same as one thread's. The slow solves here start
    once the worker has answered a level, so its start is not a race against them."""
    from epmo import frontier_levels
    from epmo.priority import optimise

    monkeypatch.setattr(optimise, "_spare", None)
    monkeypatch.setattr(optimise, "prestart_worker", lambda: None)
    p = _knapsack(11, 70)
    one = frontier(p, 15, workers=1, exact_dp=False)
    real = frontier_levels.Levels.solve
    real_replies = optimise._Worker.replies
    answered = threading.Event()

    def replies(self: optimise._Worker) -> list[dict]:
        answers = real_replies(self)
        if answers:
            answered.set()
        return answers

    def slow(self: frontier_levels.Levels, budget: float) -> tuple[int, object]:
        # the worker's start (imports, the problem) is not timed: a loaded machine could
        # take longer to start it than this thread takes for several slow levels
        answered.wait(20)
        time.sleep(0.5)
        return real(self, budget)

    monkeypatch.setattr(optimise._Worker, "replies", replies)
    monkeypatch.setattr(frontier_levels.Levels, "solve", slow)  # here only: the worker imports its own
    two = frontier(p, 15, workers=2, exact_dp=False)
    pd.testing.assert_frame_equal(one, two)
    assert two.attrs["levels_solved_by_workers"] >= 2 * two.attrs["levels_solved_here"], two.attrs


@pytest.mark.parametrize(
    "worker",
    [
        "import sys; sys.stdin.buffer.read(8); sys.exit(3)",  # dies without answering
        "import sys, time; sys.stdin.buffer.read(8); print('no answer', flush=True); time.sleep(60)",
    ],
    ids=["dies", "garbles"],
)
def test_a_worker_that_fails_leaves_its_levels_to_this_thread(
    monkeypatch: pytest.MonkeyPatch, worker: str
) -> None:
    import subprocess
    import sys

    from epmo.priority import optimise

    monkeypatch.setattr(optimise, "_spare", None)
    monkeypatch.setattr(optimise, "prestart_worker", lambda: None)
    monkeypatch.setattr(
        optimise,
        "_start_worker",
        lambda: (
            started.append(
                subprocess.Popen(
                    [sys.executable, "-c", worker], stdin=subprocess.PIPE, stdout=subprocess.PIPE
                )
            )
            or started[-1]
        ),
    )
    started: list = []
    p = _knapsack(12, 40)
    front = frontier(p, 9, workers=2, exact_dp=False)
    pd.testing.assert_frame_equal(front, frontier(p, 9, workers=1, exact_dp=False))
    assert front.attrs["levels_solved_by_workers"] == 0
    assert started[0].poll() is not None  # killed, not left sleeping


def test_leaving_mid_frontier_stops_its_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    """The page's progress call raises when the user leaves (Streamlit's StopException):
    the solve stops there and the worker process is killed, not left running."""
    from epmo.priority import optimise

    started: list = []
    real = optimise._start_worker
    monkeypatch.setattr(optimise, "_start_worker", lambda: started.append(real()) or started[-1])
    monkeypatch.setattr(optimise, "_spare", None)
    monkeypatch.setattr(optimise, "prestart_worker", lambda: None)

    class Left(Exception):
        pass

    def leave(done: int, steps: int) -> None:
        if done == 3:
            raise Left

    with pytest.raises(Left):
        frontier(_knapsack(13, 70), 15, workers=2, progress=leave, exact_dp=False)
    assert len(started) == 1 and started[0].poll() is not None


@pytest.mark.parametrize("seed", range(12))
def test_a_budget_alone_is_solved_by_the_programme_as_well_as_by_the_milp(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a budget and no capacity row, `solve` takes the exact dynamic programme (what the
    frontier uses) instead of the MILP: the same best total score, a selection no dearer,
    every constraint met, the forced projects in and out. The MILP is made to solve the
    same problem by a capacity row that binds nothing."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(8, 40))
    ids = [f"P{i}" for i in range(n)]
    score = rng.integers(-20, 100, n).astype(float)
    score[rng.random(n) < 0.1] = np.nan  # unscored
    cost = (rng.integers(1, 50, n) * 1000).astype(float)
    deps = [(ids[a], ids[b]) for a, b in rng.integers(0, n, (int(rng.integers(0, 6)), 2)) if a != b]
    deps = list(dict.fromkeys((a, b) for a, b in deps if (b, a) not in deps))
    kw = dict(
        budget=float(cost.sum() * rng.uniform(0.2, 0.7)),
        mandatory={ids[0]},
        force_out={ids[-1]} if seed % 2 else set(),
        dependencies=deps,
    )
    fast = Problem(ids, score, cost, **kw)  # type: ignore[arg-type]
    slow = Problem(ids, score, cost, capacity={("Developer", "Nov 2026"): (np.zeros(n), 1.0)}, **kw)  # type: ignore[arg-type]
    try:
        expected = solve(slow)
    except Infeasible:
        with pytest.raises(Infeasible):
            solve(fast)
        return
    from epmo.priority import optimise

    def no_milp(*args: object, **kwargs: object) -> None:
        raise AssertionError("the MILP was asked to solve a problem the programme solves")

    monkeypatch.setattr(optimise, "_milp", no_milp)
    got = solve(fast)
    assert got.is_optimal
    assert abs(got.total_score - expected.total_score) <= 1e-9 * max(1.0, abs(expected.total_score))
    assert got.total_cost <= expected.total_cost + 1e-6
    chosen = set(got.chosen)
    assert got.total_cost <= kw["budget"] and ids[0] in chosen and not (chosen & kw["force_out"])  # type: ignore[operator]
    assert all(b in chosen for a, b in deps if a in chosen)


@pytest.mark.parametrize("times", [1.0, 2.0, 20.0, 1e6, float("inf")])
def test_a_budget_beyond_every_cost_chooses_every_paying_project(times: float) -> None:
    """A budget over what every candidate costs together chooses every project that scores
    above 0. The programme's table is sized by what the projects can cost, not by the
    budget (20 times the total allocated 636 MB and went to a worker process); an infinite
    budget goes to the MILP (the programme's units would overflow)."""
    from epmo import frontier_dp

    rng = np.random.default_rng(7)
    n = 500
    cost = (rng.integers(1, 50, n) * 1000).astype(float)
    score = rng.integers(-5, 100, n).astype(float)
    budget = float(cost.sum() * times)
    p = Problem([f"P{i}" for i in range(n)], score, cost, budget)
    sel = solve(p)
    assert set(sel.chosen) == {f"P{i}" for i in range(n) if score[i] > 0}
    none = np.zeros(n, dtype=bool)
    shape = frontier_dp.plan(cost, budget, none, none, [], False)
    if times == float("inf"):
        assert shape is None
    else:
        assert shape is not None and shape.local and shape.top <= int((cost // 1000).sum())


def test_a_selection_says_how_it_was_solved() -> None:
    """The page said "Solved exactly (MILP, HiGHS)" when the budget's dynamic programme had
    solved it."""
    ids, score, cost = ["A", "B"], np.array([2.0, 1.0]), np.array([1.0, 1.0])
    assert solve(Problem(ids, score, cost, 1)).method == "dp"
    capped = Problem(ids, score, cost, 1, capacity={("Dev", "Jan 2027"): (np.array([1.0, 1.0]), 5.0)})
    assert solve(capped).method == "milp"


def test_the_capacity_the_selection_uses_counts_what_the_constraint_counts() -> None:
    """The heatmap showed the selection's hours alone (90 %) beside a constraint with no slack
    left: 20 h of a project that is not a candidate (Closed) stay planned."""
    ranked, deps, demand, supply = _one_candidate_and_an_outsider("CLOSED", (180.0, 20.0), 200.0)
    scenario = priority.Scenario(budget=10, with_capacity=True)
    p, notes = priority.build_problem(ranked, deps, scenario, (demand, supply))
    sel = solve(p)
    assert sel.chosen == ["A"]
    result = priority.SelectionResult(scenario, None, ranked, p, sel, "", notes, (demand, supply))  # type: ignore[arg-type]
    [row] = priority.capacity_use(result).to_dict("records")
    assert (row["selection_hours"], row["others_hours"], row["used_hours"]) == (180.0, 20.0, 200.0)
    assert row["used_pct"] == pytest.approx(100.0)
    [cons] = sel.constraints[sel.constraints["kind"] == "capacity"].to_dict("records")
    assert cons["slack"] == pytest.approx(0) and cons["used"] + row["others_hours"] == row["used_hours"]
