"""Scoring models, ranks, MoSCoW, AHP and sensitivity on small synthetic candidate frames."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from epmo import priority
from epmo.priority import models, scoring
from epmo.priority.models import ModelError, from_spec
from epmo.store import Store
from tests.conftest import person


def frame(**columns: list[object]) -> pd.DataFrame:
    n = len(next(iter(columns.values())))
    base: dict[str, list[object]] = {
        "project_id": [f"P{i + 1}" for i in range(n)],
        "project_name": [f"Project {i + 1}" for i in range(n)],
        "is_mandatory": [False] * n,
    }
    return pd.DataFrame(base | columns)


def weighted(*criteria: tuple[str, float, str, str]) -> models.ScoringModel:
    return from_spec(
        {
            "type": "weighted",
            "criteria": [
                {"column": c, "weight": w, "direction": d, "normalisation": n} for c, w, d, n in criteria
            ],
        },
        "test",
    )


def test_wsjf_published_example() -> None:
    """SAFe, "Weighted Shortest Job First", https://scaledagileframework.com/wsjf/ :
    WSJF = cost of delay / job size, cost of delay = user-business value + time
    criticality + risk reduction-opportunity enablement. A job with cost of delay 170 and
    job size 10 has WSJF 17; one with cost of delay 120 and job size 5 has WSJF 24, so the
    smaller, cheaper-to-delay job goes first."""
    cands = frame(
        business_value=[100, 60],
        time_criticality=[50, 40],
        risk_reduction=[20, 20],
        job_size=[10, 5],
    )
    ranked = scoring.score(cands, models.BUILT_INS["wsjf"]).set_index("project_id")
    assert ranked.loc["P1", "score"] == pytest.approx(17.0)
    assert ranked.loc["P2", "score"] == pytest.approx(24.0)
    assert ranked.loc["P2", "rank"] == 1 and ranked.loc["P1", "rank"] == 2
    # the breakdown adds up to the score: value/size + criticality/size + risk/size
    parts = ranked[
        ["business_value_contribution", "time_criticality_contribution", "risk_reduction_contribution"]
    ]
    assert parts.sum(axis=1).to_dict() == pytest.approx(ranked["score"].to_dict())
    assert ranked.loc["P1", "business_value_contribution"] == pytest.approx(10.0)


def test_weighted_scoring_published_example() -> None:
    """ "Weighted Scoring Model for MYH Inc." (samples.primeessays.com,
    https://samples.primeessays.com/business/weighted-scoring-model.html), the textbook
    project-selection exercise: criteria weights 10 %, 25 %, 25 %, 15 %, 10 %, 15 % and raw
    scores (90,70,90,90,90,50) -> 79, (90,80,70,70,80,90) -> 78.5, (90,20,50,60,60,90) -> 55,
    (90,10,20,50,50,50) -> 36.5. Six numeric project columns stand in for its six criteria
    (normalisation none, higher is better)."""
    cols = ["strategic_alignment", "business_value", "time_criticality", "risk_reduction", "reach", "impact"]
    weights = [0.10, 0.25, 0.25, 0.15, 0.10, 0.15]
    raw = [
        (90, 70, 90, 90, 90, 50),
        (90, 80, 70, 70, 80, 90),
        (90, 20, 50, 60, 60, 90),
        (90, 10, 20, 50, 50, 50),
    ]
    cands = frame(**{c: [r[i] for r in raw] for i, c in enumerate(cols)})
    model = weighted(*[(c, w, "higher", "none") for c, w in zip(cols, weights, strict=True)])
    ranked = scoring.score(cands, model).set_index("project_id")
    assert ranked["score"].to_dict() == pytest.approx({"P1": 79.0, "P2": 78.5, "P3": 55.0, "P4": 36.5})
    assert ranked["rank"].to_dict() == {"P1": 1, "P2": 2, "P3": 3, "P4": 4}
    # weights given in percent are the same model once normalised to 100 %
    pct = weighted(*[(c, 100 * w, "higher", "none") for c, w in zip(cols, weights, strict=True)])
    assert scoring.score(cands, pct)["score"].tolist() == pytest.approx([79.0, 78.5, 55.0, 36.5])


@pytest.mark.parametrize(
    ("reach", "impact", "confidence", "effort", "expected"),
    [
        (500, 2, 80, 2, 400.0),  # 500 x 2 x 0.8 / 2
        (1000, 0.25, 50, 1, 125.0),
        (0, 3, 100, 4, 0.0),
        (2000, 3, 100, 10, 600.0),
    ],
)
def test_rice_formula(reach: float, impact: float, confidence: float, effort: float, expected: float) -> None:
    cands = frame(reach=[reach], impact=[impact], confidence=[confidence], effort_person_months=[effort])
    ranked = scoring.score(cands, models.BUILT_INS["rice"])
    assert ranked["score"].iloc[0] == pytest.approx(expected)
    factors = ranked[["reach_factor", "impact_factor", "confidence_factor", "effort_person_months_factor"]]
    assert float(np.prod(factors.iloc[0])) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("model", "columns", "reason"),
    [
        (
            "wsjf",
            {
                "business_value": [None, 1],
                "time_criticality": [1, 1],
                "risk_reduction": [1, 1],
                "job_size": [1, 1],
            },
            "missing business_value",
        ),
        (
            "wsjf",
            {
                "business_value": [1, 1],
                "time_criticality": [1, 1],
                "risk_reduction": [1, 1],
                "job_size": [0, 1],
            },
            "job_size must be above 0",
        ),
        (
            "rice",
            {"reach": [1, 1], "impact": [1, 1], "confidence": [None, 50], "effort_person_months": [None, 1]},
            "missing confidence, effort_person_months",
        ),
        (
            "rice",
            {"reach": [1, 1], "impact": [1, 1], "confidence": [50, 50], "effort_person_months": [0, 1]},
            "effort_person_months must be above 0",
        ),
        (
            "weighted",
            {
                "strategic_alignment": [None, 3],
                "business_value": [3, 5],
                "time_criticality": [1, 2],
                "risk_reduction": [1, 1],
                "job_size": [3, 4],
            },
            "missing strategic_alignment",
        ),
    ],
)
def test_missing_input_gives_blank_score_with_reason_ranked_last(
    model: str, columns: dict, reason: str
) -> None:
    cands = frame(**columns)
    ranked = scoring.score(cands, models.BUILT_INS[model]).set_index("project_id")
    assert pd.isna(ranked.loc["P1", "score"])
    assert ranked.loc["P1", "score_note"] == reason
    assert not ranked.loc["P1", "is_scored"]
    assert ranked.loc["P1", "rank"] == 2 and ranked.loc["P2", "rank"] == 1
    assert ranked.loc["P1", "moscow"] == scoring.UNSCORED


def test_minmax_direction_and_constant_column() -> None:
    cands = frame(job_size=[2, 4, 10], strategic_alignment=[3, 3, 3])
    model = weighted(("job_size", 1, "lower", "minmax"), ("strategic_alignment", 1, "higher", "minmax"))
    ranked = scoring.score(cands, model).set_index("project_id")
    # job_size lower is better: 2 -> 1, 4 -> 0.75, 10 -> 0; constant column -> 1 for all
    assert ranked["job_size_contribution"].to_dict() == pytest.approx({"P1": 0.5, "P2": 0.375, "P3": 0.0})
    assert ranked["strategic_alignment_contribution"].tolist() == pytest.approx([0.5, 0.5, 0.5])
    assert ranked["score"].to_dict() == pytest.approx({"P1": 1.0, "P2": 0.875, "P3": 0.5})


def test_lower_is_better_without_normalisation_gives_negative_scores() -> None:
    cands = frame(budget_bac=[100.0, 300.0])
    ranked = scoring.score(cands, weighted(("budget_bac", 1, "lower", "none"))).set_index("project_id")
    assert ranked["score"].to_dict() == {"P1": -100.0, "P2": -300.0}
    assert ranked.loc["P1", "rank"] == 1


def test_ties_share_a_rank() -> None:
    cands = frame(strategic_alignment=[3, 5, 3, 1])
    ranked = scoring.score(cands, weighted(("strategic_alignment", 1, "higher", "none"))).set_index(
        "project_id"
    )
    assert ranked["rank"].to_dict() == {"P2": 1, "P1": 2, "P3": 2, "P4": 4}


def test_moscow_labels() -> None:
    cands = frame(strategic_alignment=[10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0, None])
    cands.loc[10, "is_mandatory"] = True  # the lowest scorer is mandatory: Must anyway
    model = from_spec(
        {
            "type": "weighted",
            "criteria": [{"column": "strategic_alignment", "weight": 1}],
            "moscow": {"should_top_pct": 30, "could_top_pct": 70},
        },
        "m",
    )
    labels = scoring.score(cands, model).set_index("project_id")["moscow"].to_dict()
    assert labels == {
        "P1": "Should", "P2": "Should", "P3": "Should",
        "P4": "Could", "P5": "Could", "P6": "Could", "P7": "Could",
        "P8": "Won't", "P9": "Won't", "P10": "Won't",
        "P11": "Must", "P12": "Unscored",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("{not json", "not valid JSON"),
        ({"type": "magic"}, "type must be one of"),
        ({"type": "weighted"}, "non-empty 'criteria'"),
        (
            {"type": "weighted", "criteria": [{"column": "project_name", "weight": 1}]},
            "not a numeric project column",
        ),
        (
            {"type": "weighted", "criteria": [{"column": "budget_bac; DROP TABLE x", "weight": 1}]},
            "not a numeric project column",
        ),
        ({"type": "weighted", "criteria": [{"column": "reach", "weight": -1}]}, "must be >= 0"),
        ({"type": "weighted", "criteria": [{"column": "reach", "weight": "heavy"}]}, "must be a number"),
        ({"type": "weighted", "criteria": [{"column": "reach", "weight": 0}]}, "at least one weight"),
        ({"type": "weighted", "criteria": [{"column": "reach", "direction": "up"}]}, "higher or lower"),
        ({"type": "weighted", "criteria": [{"column": "reach", "normalisation": "z"}]}, "none or minmax"),
        ({"type": "weighted", "criteria": [{"column": "reach"}, {"column": "reach"}]}, "listed twice"),
        ({"type": "wsjf", "criteria": [{"column": "reach"}]}, "takes no 'criteria'"),
        ({"type": "wsjf", "colour": "red"}, "unknown key"),
        (
            {"type": "wsjf", "moscow": {"should_top_pct": 80, "could_top_pct": 50}},
            "should_top_pct <= could_top_pct",
        ),
        (
            {
                "type": "weighted",
                "criteria": [{"column": "reach"}, {"column": "impact"}],
                "ahp": {"matrix": [[1]]},
            },
            "must be 2 x 2",
        ),
        (
            {
                "type": "weighted",
                "criteria": [{"column": "reach"}, {"column": "impact"}],
                "ahp": {"matrix": [[1, 3], [3, 1]]},
            },
            "reciprocal",
        ),
    ],
)
def test_bad_model_specs_are_rejected_with_a_reason(spec: object, message: str) -> None:
    with pytest.raises(ModelError, match=message):
        from_spec(spec, "bad")


def test_spec_round_trip_and_builtins() -> None:
    assert set(models.BUILT_INS) == {"weighted", "wsjf", "rice"}
    for m in models.BUILT_INS.values():
        again = from_spec(m.to_json(), m.name)
        assert again.to_spec() == m.to_spec()
        assert m.label == f"{m.name} (built-in)"
    assert models.BUILT_INS["weighted"].weights().sum() == pytest.approx(1.0)


def test_ahp_consistent_matrix_gives_exact_weights() -> None:
    # weights 0.5, 0.3, 0.2 -> a_ij = w_i / w_j is perfectly consistent (CR = 0)
    w = np.array([0.5, 0.3, 0.2])
    result = models.ahp_weights(w[:, None] / w[None, :])
    assert result.weights == pytest.approx(tuple(w))
    assert result.lambda_max == pytest.approx(3.0)
    assert result.consistency_ratio == pytest.approx(0.0, abs=1e-9)
    assert result.is_consistent


def test_ahp_inconsistent_matrix_is_flagged() -> None:
    # A > B (9), B > C (9) but C > A (9): circular judgements
    m = [[1, 9, 1 / 9], [1 / 9, 1, 9], [9, 1 / 9, 1]]
    result = models.ahp_weights(m)
    assert result.consistency_ratio > 0.10
    assert not result.is_consistent
    assert result.weights == pytest.approx((1 / 3, 1 / 3, 1 / 3))


def test_ahp_weights_drive_a_weighted_model() -> None:
    w = np.array([0.75, 0.25])
    spec = {
        "type": "weighted",
        "criteria": [{"column": "reach", "weight": 1}, {"column": "impact", "weight": 1}],
        "ahp": {"matrix": (w[:, None] / w[None, :]).tolist()},
    }
    model = from_spec(spec, "ahp")
    assert model.weights() == pytest.approx(w)
    cands = frame(reach=[1.0, 0.0], impact=[0.0, 1.0])
    assert scoring.score(cands, model).set_index("project_id")["score"].to_dict() == pytest.approx(
        {"P1": 0.75, "P2": 0.25}
    )


def _random_candidates(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return frame(
        strategic_alignment=rng.integers(1, 6, n).tolist(),
        business_value=rng.choice([1, 2, 3, 5, 8, 13, 20], n).tolist(),
        time_criticality=rng.choice([1, 2, 3, 5, 8, 13, 20], n).tolist(),
        risk_reduction=rng.choice([1, 2, 3, 5, 8, 13, 20], n).tolist(),
        job_size=rng.integers(1, 21, n).astype(float).tolist(),
        reach=(rng.integers(1, 50, n) * 100.0).tolist(),
        impact=rng.choice([0.25, 0.5, 1, 2, 3], n).tolist(),
        confidence=rng.choice([50.0, 80.0, 100.0], n).tolist(),
        effort_person_months=rng.integers(1, 40, n).astype(float).tolist(),
    )


@pytest.mark.parametrize("name", ["weighted", "wsjf", "rice"])
def test_sensitivity_is_reproducible_with_a_seed(name: str) -> None:
    cands = _random_candidates(40, 1)
    model = models.BUILT_INS[name]
    a = scoring.sensitivity(cands, model, runs=300, pct=20, seed=11)
    b = scoring.sensitivity(cands, model, runs=300, pct=20, seed=11)
    pd.testing.assert_frame_equal(a, b)
    c = scoring.sensitivity(cands, model, runs=300, pct=20, seed=12)
    assert not a.equals(c)  # another seed draws other weights
    assert (a["rank_min"] <= a["base_rank"]).all() and (a["base_rank"] <= a["rank_max"]).all()
    assert (a["rank_min"] <= a["rank_median"]).all() and (a["rank_median"] <= a["rank_max"]).all()
    assert a["rank_spread"].max() > 0  # +/-20 % moves somebody with 40 random projects
    base = scoring.score(cands, model).set_index("project_id")["rank"]
    assert a.set_index("project_id")["base_rank"].to_dict() == base.to_dict()


def test_sensitivity_without_perturbation_never_moves_a_rank() -> None:
    cands = _random_candidates(25, 2)
    out = scoring.sensitivity(cands, models.BUILT_INS["weighted"], runs=50, pct=0, seed=1)
    assert (out["rank_spread"] == 0).all()


def test_sensitivity_leaves_out_unscored_projects() -> None:
    cands = _random_candidates(6, 3)
    cands.loc[0, "job_size"] = None
    out = scoring.sensitivity(cands, models.BUILT_INS["wsjf"], runs=20, seed=1)
    assert "P1" not in set(out["project_id"]) and len(out) == 5


def test_compare_two_models_marks_rank_changes() -> None:
    cands = frame(strategic_alignment=[5, 3, 1], reach=[1, 2, 3])
    a = scoring.score(cands, weighted(("strategic_alignment", 1, "higher", "none")))
    b = scoring.score(cands, weighted(("reach", 1, "higher", "none")))
    out = scoring.compare(a, b).set_index("project_id")
    assert out["movement"].to_dict() == {"P1": "▼ 2", "P2": "=", "P3": "▲ 2"}


# --------------------------------------------------------------------------- saved models


def test_models_are_saved_versioned_and_resolved(store: Store, tmp_path: Path) -> None:
    spec = {"type": "weighted", "criteria": [{"column": "reach", "weight": 2}]}
    v1 = priority.save_model(store, "growth", spec, person("a@example.org"))
    spec["criteria"].append({"column": "impact", "weight": 1})  # type: ignore[attr-defined]
    v2 = priority.save_model(store, "growth", spec, person("b@example.org"))
    assert (v1.version, v2.version) == (1, 2)
    assert v2.label == "growth v2" and v2.saved_by == "b@example.org"
    assert priority.resolve_model(store, "growth").columns == ("reach", "impact")
    assert priority.resolve_model(store, "growth", version=1).columns == ("reach",)
    assert priority.resolve_model(store, "wsjf") is models.BUILT_INS["wsjf"]
    path = tmp_path / "m.json"
    path.write_text(json.dumps(spec))
    assert priority.resolve_model(store, model_file=str(path)).columns == ("reach", "impact")
    names = [m["name"] for m in priority.model_versions(store)]
    assert names == ["weighted", "wsjf", "rice", "growth"]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda s: priority.save_model(s, "wsjf", {"type": "wsjf"}, person("x")), "built-in"),
        (lambda s: priority.save_model(s, "  ", {"type": "wsjf"}, person("x")), "give the model a name"),
        (lambda s: priority.save_model(s, "bad", {"type": "weighted"}, person("x")), "criteria"),
        (lambda s: priority.resolve_model(s, "nope"), "no scoring model 'nope'"),
        (lambda s: priority.resolve_model(s, "wsjf", version=3), "built-in and has no version 3"),
        (lambda s: priority.resolve_model(s, model_file="/no/such.json"), "no such model file"),
    ],
)
def test_model_errors_change_nothing(store: Store, call, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ModelError, match=message):
        call(store)
    assert store.documents(models.KIND) == []
