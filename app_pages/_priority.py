"""What the prioritisation pages share: the model picker, candidates and cached solves."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import streamlit as st

from app_pages import _shared as ui
from epmo import priority
from epmo.priority import models
from epmo.settings import get
from epmo.store import Snapshot


def model_rows(snap: Snapshot) -> list[dict[str, Any]]:
    """Built-ins first, then the latest version of every saved model."""
    out: list[dict[str, Any]] = [{"name": m.name, "model": m} for m in models.BUILT_INS.values()]
    for row in ui.query(snap, "ledger/documents", kind=models.KIND).to_dict("records"):
        try:
            out.append({"name": row["name"], "model": models.from_document(row)})
        except models.ModelError:
            continue  # an unusable saved spec never breaks the page
    return out


def model_version(snap: Snapshot, name: str, version: int | None) -> models.ScoringModel | None:
    """A model by name and version (latest when None); None when it does not exist."""
    if name in models.BUILT_INS:
        return models.BUILT_INS[name]
    rows = ui.query(snap, "ledger/document_versions", kind=models.KIND, name=name).to_dict("records")
    row = next((r for r in rows if version is None or int(r["version"]) == int(version)), None)
    try:
        return models.from_document(row) if row else None
    except models.ModelError:
        return None


def pick_model(
    snap: Snapshot, label: str, key: str, container: Any = st, default: str | None = None
) -> models.ScoringModel:
    rows = model_rows(snap)
    names = [r["name"] for r in rows]
    keep = f"_{key}_keep"  # widget state is dropped on another page: the choice follows the user
    current = st.session_state.get(key)
    if current not in names:
        current = st.session_state.get(keep, default)
    st.session_state[key] = current if current in names else models.DEFAULT_MODEL
    name = container.selectbox(
        label,
        names,
        key=key,
        format_func=lambda n: next(r["model"].label for r in rows if r["name"] == n),
        help="Built-in models (weighted, wsjf, rice) and the latest version of each saved model.",
    )
    st.session_state[keep] = name
    return next(r["model"] for r in rows if r["name"] == name)


def stage_filter(container: Any = st, key: str = "prio_excluded") -> list[str]:
    from epmo import contract

    return list(
        container.multiselect(
            "Leave out stages",
            list(contract.STAGES),
            default=list(get("priority", "excluded_stages")),
            key=key,
            help="Candidates are the projects in every other stage (default: Closed and Cancelled are left out).",
        )
    )


def candidates(snap: Snapshot, f: dict[str, Any], excluded: list[str]) -> pd.DataFrame:
    return ui.query(
        snap,
        "priority/candidates",
        as_of=f["as_of"],
        portfolios=f["portfolios"],
        programmes=f["programmes"],
        excluded_stages=excluded,
        current_stages=list(get("priority", "current_stages")),
    )


@st.cache_data(max_entries=32, show_spinner="Solving the portfolio selection (MILP)…")
def _select(
    key: str,
    as_of: dt.date,
    model_json: str,
    model_name: str,
    model_version: int,
    scenario_json: str,
    portfolios: tuple[str, ...],
    programmes: tuple[str, ...],
    excluded: tuple[str, ...],
    _snap: Snapshot,
) -> priority.SelectionResult:
    model = models.from_spec(model_json, model_name, version=model_version)
    frame = candidates(
        _snap,
        {"as_of": as_of, "portfolios": list(portfolios), "programmes": list(programmes)},
        list(excluded),
    )
    return priority.select(
        ui.connection(_snap), as_of, model, priority.Scenario.from_json(scenario_json), frame=frame
    )


def select(
    snap: Snapshot,
    f: dict[str, Any],
    model: models.ScoringModel,
    scenario: priority.Scenario,
    excluded: list[str],
) -> priority.SelectionResult:
    """The scenario's selection, cached on (store version, model spec, scenario, filters)."""
    return _select(
        snap.key,
        f["as_of"],
        model.to_json(),
        model.name,
        model.version,
        scenario.to_json(),
        tuple(f["portfolios"]),
        tuple(f["programmes"]),
        tuple(excluded),
        snap,
    )


@st.cache_data(max_entries=16, show_spinner=False)
def _frontier(key: str, problem_key: str, steps: int, _problem: priority.Problem) -> pd.DataFrame:
    return priority.efficient_frontier_of(_problem, steps)


def frontier(snap: Snapshot, result: priority.SelectionResult, cache_key: str, steps: int) -> pd.DataFrame:
    return _frontier(snap.key, cache_key, steps, result.problem)
