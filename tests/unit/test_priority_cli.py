"""`python -m epmo optimise` and the priority export views, on the small demo store."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest

from epmo.cli import main
from epmo.store import Store
from tests.conftest import DEMO_END

AS_OF = str(DEMO_END)


def _csv(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text))


def test_export_priority_scores(demo_store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["export", "priority_scores", "--model", "wsjf", "--as-of", AS_OF, "--store", demo_store.uri])
        == 0
    )
    out = _csv(capsys.readouterr().out)
    assert list(out.columns) == [
        "project_id", "project_name", "score", "rank",
        "business_value_contribution", "time_criticality_contribution", "risk_reduction_contribution",
        "moscow", "score_note", "model",
    ]  # fmt: skip
    assert out["model"].iloc[0] == "wsjf (built-in)"
    assert out["rank"].is_monotonic_increasing and out["rank"].iloc[0] == 1
    scored = out.dropna(subset=["score"])
    parts = scored[
        ["business_value_contribution", "time_criticality_contribution", "risk_reduction_contribution"]
    ]
    assert (parts.sum(axis=1) - scored["score"]).abs().max() < 1e-9


def test_export_efficient_frontier(demo_store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["export", "efficient_frontier", "--model", "rice", "--steps", "5", "--as-of", AS_OF]
    assert main([*args, "--store", demo_store.uri]) == 0
    out = _csv(capsys.readouterr().out)
    assert list(out.columns[:3]) == ["budget", "best_total_score", "project_count"]
    assert len(out) == 5 and out["budget"].iloc[0] == 0
    feasible = out[out["is_feasible"]]
    assert feasible["best_total_score"].is_monotonic_increasing
    assert main([*args[:-3], "1", "--as-of", AS_OF, "--store", demo_store.uri]) == 2
    assert "at least 2 steps" in capsys.readouterr().err


def test_optimise_prints_the_selection(demo_store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        ["optimise", "--model", "wsjf", "--budget", "8000000", "--as-of", AS_OF, "--store", demo_store.uri]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    lines = dict(line.split(": ", 1) for line in out.strip().splitlines())
    chosen = lines["chosen"].split()
    assert chosen and all(p.startswith("PRJ-") for p in chosen)
    assert float(lines["total cost"]) <= 8_000_000
    assert float(lines["total score"]) > 0
    # forcing one out removes it; with capacity and the remaining basis still solves
    code = main(
        [
            "optimise", "--model", "wsjf", "--budget", "8000000", "--force-out", chosen[0],
            "--budget-basis", "remaining", "--with-capacity", "--as-of", AS_OF, "--store", demo_store.uri,
        ]
    )  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0 and chosen[0] not in out.split("chosen: ")[1].splitlines()[0].split()


def test_optimise_infeasible_exits_2_with_the_reason(
    demo_store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["optimise", "--model", "wsjf", "--budget", "0", "--as-of", AS_OF, "--store", demo_store.uri])
    err = capsys.readouterr().err
    assert code == 2
    assert "infeasible: the mandatory and forced-in projects" in err and "over the budget 0" in err


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--model", "nope"], "no scoring model 'nope'"),
        (["--model", "wsjf", "--force-in", "PRJ-9999"], "PRJ-9999 not among the candidate projects"),
        (["--model-file", "/no/such/model.json"], "no such model file"),
    ],
)
def test_optimise_usage_errors(
    demo_store: Store, capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    code = main(["optimise", "--budget", "1e9", "--as-of", AS_OF, "--store", demo_store.uri, *extra])
    assert code == 2
    assert message in capsys.readouterr().err


def test_optimise_contradiction_exits_2(demo_store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    first = _csv(_export(demo_store, capsys))["project_id"].iloc[0]
    args = ["optimise", "--model", "wsjf", "--budget", "1e9", "--force-in", first, "--force-out", first]
    assert main([*args, "--as-of", AS_OF, "--store", demo_store.uri]) == 2
    assert f"infeasible: {first} cannot be both forced in and forced out" in capsys.readouterr().err


def _export(store: Store, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["export", "priority_scores", "--model", "wsjf", "--as-of", AS_OF, "--store", store.uri]) == 0
    return capsys.readouterr().out


def test_model_file_is_the_saved_format(
    demo_store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = {
        "type": "weighted",
        "criteria": [{"column": "strategic_alignment", "weight": 1, "normalisation": "none"}],
    }
    path = tmp_path / "align.json"
    path.write_text(json.dumps(spec))
    args = [
        "export",
        "priority_scores",
        "--model-file",
        str(path),
        "--as-of",
        AS_OF,
        "--store",
        demo_store.uri,
    ]
    assert main(args) == 0
    out = _csv(capsys.readouterr().out)
    assert out["score"].max() <= 5 and list(out.columns).count("strategic_alignment_contribution") == 1
    path.write_text('{"type": "weighted", "criteria": [{"column": "project_name"}]}')
    assert main(args) == 2
    assert "not a numeric project column" in capsys.readouterr().err


def test_a_model_from_a_file_is_not_called_built_in(tmp_path: Path) -> None:
    """`--model-file align.json` was labelled "align (built-in)"."""
    from epmo import priority

    path = tmp_path / "align.json"
    path.write_text(
        json.dumps({"type": "weighted", "criteria": [{"column": "strategic_alignment", "weight": 1}]})
    )
    assert priority.resolve_model(None, model_file=str(path)).label == "align (from align.json)"  # no path
    assert priority.resolve_model(None, "wsjf").label == "wsjf (built-in)"
