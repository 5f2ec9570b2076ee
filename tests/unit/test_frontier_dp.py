"""The frontier's dynamic programme (epmo.frontier_dp) against brute force and against
the MILP solving each budget level on its own; when it hands the levels to the MILP."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from epmo import frontier_dp as knapsack
from epmo.priority import optimise
from epmo.priority.optimise import Problem, frontier
from tests.brute_force import feasible


def _problem(seed: int, n: int, cost_unit: float = 1.0, with_deps: bool = True) -> Problem:
    rng = np.random.default_rng(seed)
    ids = [f"P{i:03d}" for i in range(n)]
    score = rng.integers(-3, 30, n).astype(float) / 7  # ties and non-positive scores on purpose
    score[rng.random(n) < 0.1] = np.nan  # unscored: counts 0
    cost = rng.integers(0, 60, n).astype(float) * cost_unit
    mandatory = {p for p in ids if rng.random() < 0.08}
    force_out = {p for p in ids if rng.random() < 0.05 and p not in mandatory}
    deps: set[tuple[str, str]] = set()
    if with_deps:
        for _ in range(int(rng.integers(0, n))):  # within blocks of 6, as in programmes
            a, b = rng.choice(min(6, n), 2, replace=False) + 6 * int(rng.integers(0, max(1, n // 6)))
            if max(a, b) < n:
                deps.add((ids[a], ids[b]))
    p = Problem(ids, score, cost, None, mandatory, set(), set(), sorted(deps))
    p.force_out = force_out - p.required_closure()[0]  # no contradiction: every level has an answer
    return p


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("cost_unit", [1.0, 1000.0, 0.25])
def test_each_level_is_the_cheapest_best_selection_of_brute_force(seed: int, cost_unit: float) -> None:
    """Every level's selection meets every constraint, has the best total score of all
    subsets, and is the cheapest of the subsets that have it (whole units, thousands and
    quarter units: the last are cents, 25 of them)."""
    p = _problem(seed, int(np.random.default_rng(seed).integers(2, 14)), cost_unit)
    subsets = np.array(list(itertools.product([False, True], repeat=len(p.ids))), dtype=bool)
    budgets = list(np.linspace(0.0, float(p.cost.sum()), 9))
    need = min(float(s @ p.cost) for s in subsets[feasible(p, subsets, float(p.cost.sum()))])
    budgets = [b for b in budgets if b >= need]
    programme = optimise._dp_levels(p, budgets, list(range(len(budgets))))
    assert programme is not None, "the programme applies: no capacity rows, whole units"
    chosen, in_worker = programme
    assert not in_worker  # a small table: worked out here
    obj = p.objective
    for budget, x in zip(budgets, chosen, strict=True):
        ok = feasible(p, subsets, budget)
        best = float((subsets[ok] @ obj).max())
        assert feasible(p, x[None, :], budget)[0], f"level {budget}: the selection breaks a constraint"
        assert float(obj[x].sum()) == pytest.approx(best, abs=1e-9)
        cheapest = float((subsets[ok & (subsets @ obj >= best - 1e-9)] @ p.cost).min())
        assert float(p.cost[x].sum()) == pytest.approx(cheapest)
        # nothing scoring <= 0 is in unless something forces it (as optimise.solve)
        needed = {b for a, b in p.dependencies if x[p.index[a]]} | p.required_closure()[0]
        for i, pid in enumerate(p.ids):
            assert not (x[i] and obj[i] <= 0) or pid in needed, f"{pid} scores {obj[i]} and is not needed"


@pytest.mark.parametrize(("seed", "n"), [(1, 60), (2, 120), (3, 200), (4, 90)])
def test_programme_gives_the_points_of_one_milp_per_level(seed: int, n: int) -> None:
    """The frontier the page shows (the programme) against the MILP solving each level
    afresh: the same levels feasible, the same best total score at each, a cost no higher
    (the programme reports the cheapest of equal-scoring selections), levels in the same
    order through progress and partial rows."""
    p = _problem(seed, n, 1000.0)
    calls: list[tuple[int, int]] = []
    parts: list[pd.DataFrame] = []
    dp = frontier(p, 15, progress=lambda d, k: calls.append((d, k)), partial=parts.append)
    milp = frontier(p, 15, reuse=False, workers=1, exact_dp=False)
    assert dp.attrs["method"] == "dp" and milp.attrs["method"] == "milp"
    assert calls == [(d, 15) for d in range(1, 16)]
    pd.testing.assert_frame_equal(parts[-1], dp)
    assert dp["is_feasible"].tolist() == milp["is_feasible"].tolist()
    np.testing.assert_allclose(dp["best_total_score"], milp["best_total_score"], rtol=1e-9, equal_nan=True)
    feasible = dp["is_feasible"].to_numpy()
    assert np.all(dp["total_cost"][feasible] <= milp["total_cost"][feasible] + 1e-6)
    assert np.all(dp["total_cost"][feasible] <= dp["budget"][feasible] + 1e-6)


def _chain(n: int) -> Problem:
    ids = [f"P{i}" for i in range(n)]
    deps = [(ids[i], ids[i + 1]) for i in range(n - 1)]  # one group of n projects
    return Problem(ids, np.arange(1.0, n + 1), np.full(n, 10.0), None, dependencies=deps)


def _with_capacity() -> Problem:
    p = _problem(5, 30, 1000.0)
    p.capacity = {("PM", "Jan 2027"): (np.ones(30), 12.0)}
    return p


def _fractional() -> Problem:
    p = _problem(6, 30)
    p.cost = p.cost + 1 / 3  # not whole units, not whole cents
    return p


def _cents() -> Problem:
    p = _problem(7, 30)
    p.cost = p.cost + 0.01
    return p


@pytest.mark.parametrize(
    ("make", "method"),
    [
        (lambda: _problem(8, 40, 1000.0), "dp"),
        (_cents, "dp"),  # hundredths are whole units too
        (lambda: _chain(knapsack.MAX_GROUP), "dp"),
        (lambda: _chain(knapsack.MAX_GROUP + 1), "milp"),  # a group too large to enumerate
        (_with_capacity, "milp"),  # capacity rows: a knapsack in several dimensions
        (_fractional, "milp"),
        (lambda: _problem(9, 40, 1e9), "dp"),  # big costs, one unit of 1e9: a small table
    ],
    ids=["thousands", "cents", "group-at-limit", "group-over-limit", "capacity", "fractional", "billions"],
)
def test_which_problems_the_programme_solves(make, method: str) -> None:  # type: ignore[no-untyped-def]
    p = make()
    front = frontier(p, 7, workers=1)
    assert front.attrs["method"] == method
    other = frontier(p, 7, workers=1, reuse=False, exact_dp=method == "milp")  # the other way
    np.testing.assert_allclose(
        front["best_total_score"], other["best_total_score"], rtol=1e-9, equal_nan=True
    )


def test_a_table_too_big_goes_to_the_milp(monkeypatch: pytest.MonkeyPatch) -> None:
    p = _problem(10, 40, 1.0)
    monkeypatch.setattr(knapsack, "MAX_CELLS", 10)
    assert frontier(p, 5, workers=1).attrs["method"] == "milp"


@pytest.mark.parametrize("how", ["worker", "worker-dies", "no-worker-free"])
def test_a_big_table_goes_to_a_worker_process(monkeypatch: pytest.MonkeyPatch, how: str) -> None:
    """A table over LOCAL_CELLS is worked out in a worker process (epmo.frontier_levels,
    rlimited) with the same frame as here; a worker that dies, or none free (every core's
    worker busy), leaves the levels to the MILP: the same scores, nothing left running."""
    import subprocess
    import sys

    p = _problem(11, 80, 1000.0)
    here = frontier(p, 9, workers=1)
    assert here.attrs["method"] == "dp" and here.attrs["workers"] == 0
    started: list[subprocess.Popen[bytes]] = []
    real = optimise._start_worker

    def start() -> subprocess.Popen[bytes]:
        if how == "worker-dies":
            cmd = [sys.executable, "-c", "import sys; sys.stdin.buffer.read(8); sys.exit(3)"]
            started.append(subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE))
        else:
            started.append(real())
        return started[-1]

    monkeypatch.setattr(optimise, "_start_worker", start)
    monkeypatch.setattr(optimise, "_spare", None)
    monkeypatch.setattr(knapsack, "LOCAL_CELLS", 0)
    held = 0
    if how == "no-worker-free":
        while optimise._busy.acquire(blocking=False):
            held += 1
    try:
        there = frontier(p, 9, workers=2)
    finally:
        for _ in range(held):
            optimise._busy.release()
    if how == "worker":
        pd.testing.assert_frame_equal(there, here)
        assert there.attrs["method"] == "dp" and there.attrs["workers"] == 1
    else:
        assert there.attrs["method"] == "milp"
        np.testing.assert_allclose(
            there["best_total_score"], here["best_total_score"], rtol=1e-9, equal_nan=True
        )
    # worker-dies: the programme's worker, then the MILP's (which dies too: this thread solves)
    assert len(started) == {"worker": 1, "worker-dies": 2, "no-worker-free": 0}[how]
    assert all(proc.poll() is not None for proc in started)  # no worker left running
