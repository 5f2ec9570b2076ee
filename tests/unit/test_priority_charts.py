"""Prioritisation chart builders: the traces they draw from the frames they are given."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from epmo import capacity, capacity_charts
from epmo.priority import charts, models, scoring


def _cands(n: int = 12) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "project_id": [f"P{i}" for i in range(n)],
            "project_name": [f"Project {i}" for i in range(n)],
            "is_mandatory": [False] * n,
            "strategic_alignment": rng.integers(1, 6, n).astype(float),
            "business_value": rng.choice([1, 2, 3, 5, 8], n),
            "time_criticality": rng.choice([1, 2, 3, 5, 8], n),
            "risk_reduction": rng.choice([1, 2, 3, 5, 8], n),
            "job_size": rng.integers(1, 20, n).astype(float),
            "reach": rng.integers(1, 50, n) * 100.0,
            "impact": rng.choice([0.5, 1.0, 2.0], n),
            "confidence": rng.choice([50.0, 100.0], n),
            "effort_person_months": rng.integers(1, 30, n).astype(float),
        }
    )


def test_score_breakdown_has_one_bar_series_per_criterion() -> None:
    ranked = scoring.score(_cands(), models.BUILT_INS["weighted"])
    fig = charts.score_breakdown(ranked, top=5)
    assert [t.name for t in fig.data] == [
        c.column.replace("_", " ") for c in models.BUILT_INS["weighted"].criteria
    ]
    assert len(fig.data[0].y) == 5
    # the bars of a project add up to its score
    total = sum(np.asarray(t.x) for t in fig.data)
    assert np.allclose(total, ranked.head(5)["score"].to_numpy()[::-1])
    rice = charts.score_breakdown(scoring.score(_cands(), models.BUILT_INS["rice"]), top=5)
    assert [t.name for t in rice.data] == ["score"]


def test_rank_ranges_and_rank_changes() -> None:
    cands = _cands()
    sens = scoring.sensitivity(cands, models.BUILT_INS["wsjf"], runs=50, seed=1)
    fig = charts.rank_ranges(sens, top=8)
    assert [len(t.y) for t in fig.data] == [8, 8, 8]
    assert list(fig.data[0].base) == sens.head(8)["rank_min"].tolist()
    both = scoring.compare(
        scoring.score(cands, models.BUILT_INS["wsjf"]), scoring.score(cands, models.BUILT_INS["rice"])
    )
    slope = charts.rank_changes(both, "wsjf", "rice", top=5)
    shown = both[(both["rank_a"] <= 5) | (both["rank_b"] <= 5)]
    assert len(slope.data) == len(shown)


def test_frontier_marks_current_and_selected() -> None:
    front = pd.DataFrame(
        {
            "budget": [0.0, 50.0, 100.0],
            "best_total_score": [np.nan, 3.0, 5.0],
            "project_count": [0, 1, 2],
            "total_cost": [np.nan, 40.0, 90.0],
            "is_feasible": [False, True, True],
        }
    )
    fig = charts.frontier_chart(front, current=(80.0, 4.0, 2), selected=(40.0, 3.0, 1))
    assert list(fig.data[0].x) == [50.0, 100.0]  # infeasible levels are not drawn
    assert [t.name for t in fig.data[1:]] == ["current portfolio (in flight)", "selected portfolio"]
    use = pd.DataFrame(
        {"role": ["Dev", "Dev"], "period": ["Jan 2027", "Feb 2027"], "used_pct": [50.0, 120.0]}
    )
    heat = charts.capacity_use(use)
    assert list(heat.data[0].x) == ["Jan 2027", "Feb 2027"]


def _cell_colour(trace, z: float) -> str:  # type: ignore[no-untyped-def]
    """The colour a heatmap trace paints value z with: its step colour scale repeats each
    position, and at a repeated position plotly (d3) takes the last stop at or below it."""
    at = (z - trace.zmin) / (trace.zmax - trace.zmin)
    return [c for p, c in trace.colorscale if float(p) <= at][-1]


@pytest.mark.parametrize(
    ("used_pct", "band"),
    [
        (0.0, "Under 70%"),
        (69.6, "Under 70%"),
        (70.0, "70-85%"),
        (95.7, "85-100%"),
        (100.0, "100-120%"),
        (130.0, "120% or more"),
        (float("nan"), "No capacity"),
    ],
)
def test_selection_capacity_is_coloured_as_the_capacity_heatmap(used_pct: float, band: str) -> None:
    """The share of capacity a selection uses reads in the Capacity heatmap's bands and
    colours (settings [capacity]): 100 % was dark blue and 130 % red on a 0-100 colour bar."""
    b = capacity.bands()
    expected = dict(zip([b.no_capacity, *b.names], [b.no_capacity_colour, *b.colours], strict=True))[band]
    use = pd.DataFrame({"role": ["Dev"], "period": ["Jan 2027"], "used_pct": [used_pct]})
    trace = charts.capacity_use(use).data[0]
    assert _cell_colour(trace, trace.z[0][0]) == expected
    assert trace.showscale is False  # no 0-100 colour bar: the page shows the bands' legend
    assert band in trace.customdata[0][0]  # the hover names the band
    cells = pd.DataFrame(
        {
            "period_start": [pd.Timestamp("2027-01-01")],
            "role": ["Dev"],
            "team": [None],
            "resource_name": [None],
            "band_index": [capacity.band_index(used_pct)],
            "utilisation_pct": [used_pct],
            "demand_hours": [1.0],
            "tentative_hours": [0.0],
            "capacity_hours": [1.0],
            "band": [band],
        }
    )
    heat = capacity_charts.heatmap(cells, "month").data[0]
    assert _cell_colour(heat, heat.z[0][0]) == expected  # the same colour on the Capacity page


@pytest.mark.parametrize(
    ("grain", "starts", "columns"),
    [
        ("month", ["2027-01-01", "2027-03-01"], ["Jan 2027", "Feb 2027", "Mar 2027"]),
        ("week", ["2027-01-04", "2027-01-18"], ["04 Jan 27", "11 Jan 27", "18 Jan 27"]),
        ("quarter", ["2027-01-01", "2027-07-01"], ["2027 Q1", "2027 Q2", "2027 Q3"]),
        ("month", ["2027-01-01", "2027-02-01"], ["Jan 2027", "Feb 2027"]),
    ],
)
def test_a_period_no_row_has_keeps_its_column(grain: str, starts: list[str], columns: list[str]) -> None:
    """February had neither demand nor capacity, so the heatmap went from January straight to
    March: a gap in the team's plan read as two months side by side."""
    n = len(starts)
    cells = pd.DataFrame(
        {
            "period_start": pd.to_datetime(starts),
            "role": ["Dev"] * n,
            "team": [None] * n,
            "resource_name": [None] * n,
            "band_index": [1] * n,
            "utilisation_pct": [50.0] * n,
            "demand_hours": [1.0] * n,
            "tentative_hours": [0.0] * n,
            "capacity_hours": [2.0] * n,
            "band": ["ok"] * n,
        }
    )
    heat = capacity_charts.heatmap(cells, grain).data[0]
    assert list(heat.x) == columns
    assert [z is None or z != z for z in heat.z[0]] == [c not in {columns[0], columns[-1]} for c in columns]
