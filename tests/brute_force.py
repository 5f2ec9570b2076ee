"""Brute force over every selection of a small portfolio problem, for the optimiser's and
the frontier's tests (tests/unit/test_priority_optimise.py, tests/unit/test_frontier_dp.py)."""

from __future__ import annotations

import numpy as np

from epmo.priority.optimise import Problem


def feasible(p: Problem, subsets: np.ndarray, budget: float | None) -> np.ndarray:
    """Which rows of `subsets` (one bool column per project) meet every constraint of `p`,
    with `budget` in place of p.budget (None: no budget)."""
    ok = np.ones(len(subsets), dtype=bool)
    idx = p.index
    if budget is not None:
        ok &= subsets @ p.cost <= budget + 1e-9
    for demand, cap in p.capacity.values():
        ok &= subsets @ demand <= cap + 1e-9
    for a, b in p.dependencies:
        ok &= ~subsets[:, idx[a]] | subsets[:, idx[b]]
    for q in p.mandatory | p.force_in:
        ok &= subsets[:, idx[q]]
    for q in p.force_out:
        ok &= ~subsets[:, idx[q]]
    return ok
