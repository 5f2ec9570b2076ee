"""The vectorised ranking and blank-input reasons (bench/NOTES.md, "Fix 5") give exactly what
the per-row code they replaced gave: that code is kept here as the reference."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from epmo.priority import models, scoring


def ranks_per_row(scores: np.ndarray) -> np.ndarray:
    """The definition, one score at a time: 1 + how many scores are greater, not counting
    those equal to it but for float noise (a relative 1e-9)."""
    s = np.atleast_2d(scores)
    out = np.zeros(s.shape, dtype=int)
    for r in range(s.shape[0]):
        row = s[r]
        valid = ~np.isnan(row)
        vals = row[valid]
        greater = [int(((vals > x) & ~np.isclose(vals, x, rtol=1e-9, atol=1e-12)).sum()) for x in vals]
        out[r, valid] = np.array(greater, dtype=int) + 1
    return out if scores.ndim == 2 else out[0]


def reasons_per_row(frame: pd.DataFrame, columns: tuple[str, ...]) -> list[str]:
    """The replaced _missing_reasons: one pandas row at a time."""
    out = []
    for _, row in frame[list(columns)].iterrows():
        missing = [c for c in columns if pd.isna(row[c])]
        out.append(("missing " + ", ".join(missing)) if missing else "")
    return out


def sensitivity_per_row(
    frame: pd.DataFrame, model: models.ScoringModel, runs: int, pct: float, seed: int
) -> pd.DataFrame:
    """The replaced sensitivity: every column ranked, per row, then the scored ones kept."""
    d = scoring.design(frame, model)
    w = model.weights()
    rng = np.random.default_rng(seed)
    ws = w * rng.uniform(1 - pct / 100, 1 + pct / 100, size=(runs, w.size))
    if not d.loglinear:
        ws = ws / ws.sum(axis=1, keepdims=True)
    ranks = ranks_per_row(scoring.scores_for(d, ws))[:, d.is_scored]
    base = ranks_per_row(scoring.scores_for(d, w))[d.is_scored]
    ids = frame.reset_index(drop=True).loc[d.is_scored]
    out = pd.DataFrame(
        {
            "project_id": ids["project_id"].to_numpy(),
            "project_name": ids["project_name"].to_numpy(),
            "base_rank": base,
            "rank_min": ranks.min(axis=0),
            "rank_median": np.median(ranks, axis=0),
            "rank_max": ranks.max(axis=0),
        }
    )
    out["rank_spread"] = out["rank_max"] - out["rank_min"]
    return out.sort_values(["base_rank", "project_id"]).reset_index(drop=True)


@pytest.mark.parametrize("seed", range(6))
def test_ranks_equal_the_per_row_ranking(seed: int) -> None:
    rng = np.random.default_rng(seed)
    rows, cols = int(rng.integers(1, 60)), int(rng.integers(1, 80))
    ties = rng.choice([-2.5, -1.0, -0.0, 0.0, 0.5, 1.0, 3.0, np.inf, -np.inf], size=(rows, cols))
    scores = np.where(rng.random((rows, cols)) < 0.5, ties, rng.normal(size=(rows, cols)))
    scores[rng.random((rows, cols)) < 0.2] = np.nan
    np.testing.assert_array_equal(scoring.ranks_of(scores), ranks_per_row(scores))
    np.testing.assert_array_equal(scoring.ranks_of(scores[0]), ranks_per_row(scores[0]))


def test_ranks_of_ties_nan_and_one_dimension() -> None:
    row = np.array([3.0, np.nan, 5.0, 3.0, -1.0, 5.0, np.nan, 0.0, -0.0])
    expected = np.array([3, 0, 1, 3, 7, 1, 0, 5, 5])
    np.testing.assert_array_equal(scoring.ranks_of(row), expected)
    np.testing.assert_array_equal(ranks_per_row(row), expected)
    np.testing.assert_array_equal(scoring.ranks_of(np.full((2, 3), np.nan)), np.zeros((2, 3), dtype=int))


def test_missing_reasons_equal_the_per_row_reasons() -> None:
    frame = pd.DataFrame(
        {
            "a": [1.0, None, np.nan, 4.0, None],
            "b": ["x", "y", None, "z", None],
            "c": pd.array([1, None, 3, None, None], dtype="Int64"),
            "d": [pd.Timestamp("2026-01-01"), pd.NaT, pd.Timestamp("2026-02-01"), pd.NaT, pd.NaT],
        }
    )
    for cols in (("a", "b", "c", "d"), ("d", "a"), ("b",)):
        assert scoring._missing_reasons(frame, cols) == reasons_per_row(frame, cols)
    assert scoring._missing_reasons(frame.iloc[:0], ("a",)) == []


@pytest.mark.parametrize("name", ["weighted", "wsjf", "rice"])
@pytest.mark.parametrize("seed", [1, 2])
def test_sensitivity_equals_the_per_row_computation(name: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 120
    cands = pd.DataFrame(
        {
            "project_id": [f"P{i:03d}" for i in range(n)],
            "project_name": [f"Project {i}" for i in range(n)],
            "is_mandatory": [False] * n,
            "strategic_alignment": rng.integers(1, 4, n).astype(float),
            "business_value": rng.choice([1, 2, 3, 5, 8], n).astype(float),
            "time_criticality": rng.choice([1, 2, 3, 5, 8], n).astype(float),
            "risk_reduction": rng.choice([1, 2, 3, 5, 8], n).astype(float),
            "job_size": rng.integers(1, 6, n).astype(float),
            "reach": (rng.integers(1, 5, n) * 100.0),
            "impact": rng.choice([0.5, 1.0, 2.0], n),
            "confidence": rng.choice([50.0, 80.0, 100.0], n),
            "effort_person_months": rng.integers(1, 6, n).astype(float),
        }
    )
    for column in cands.columns[3:]:
        cands.loc[rng.random(n) < 0.05, column] = np.nan  # some unscored projects
    model = models.BUILT_INS[name]
    got = scoring.sensitivity(cands, model, runs=400, pct=25, seed=seed)
    want = sensitivity_per_row(cands, model, runs=400, pct=25, seed=seed)
    assert len(got) < n  # some were left out
    pd.testing.assert_frame_equal(got, want, check_exact=True)


def test_scores_equal_but_for_float_noise_share_a_rank() -> None:
    """4.65/19 computed two ways (0.7026315789473684 and ...683) ranked two projects 10 and 11,
    and left one out of a Top 10; "ties share a rank" (docs/priority.md)."""
    row = np.array([0.9, 0.7026315789473684, 0.7026315789473683, 0.7, 0.1 + 0.2, 0.3])
    assert 0.1 + 0.2 != 0.3  # the same sum, two floats
    assert scoring.ranks_of(row).tolist() == [1, 2, 2, 4, 5, 5]
    np.testing.assert_array_equal(ranks_per_row(row), scoring.ranks_of(row))
    assert scoring.ranks_of(np.array([1.0, 1.0 + 1e-7])).tolist() == [2, 1]  # a real difference stays
