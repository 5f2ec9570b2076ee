"""Prioritisation: scoring models, rankings, sensitivity and the portfolio optimiser.

Data in (all from named queries in queries/priority/):
  candidates(con, as_of, ...)      projects that may be ranked/selected, with every input
  dependencies(con, as_of)         open RAID dependencies, "A depends on B"
  capacity_inputs(con, as_of)      demand and supply per role and month, as the capacity
                                   module defines them (epmo.capacity; the ONE place the
                                   capacity constraint's inputs come from)
Models: epmo.priority.models; scores: epmo.priority.scoring; MILP: epmo.priority.optimise.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from epmo import access, capacity, sql
from epmo.priority import scoring
from epmo.priority.models import (
    BUILT_INS,
    DEFAULT_MODEL,
    KIND,
    ModelError,
    ScoringModel,
    from_document,
    from_spec,
)
from epmo.priority.optimise import (
    Infeasible,
    Problem,
    Selection,
    frontier,
    solve,
)
from epmo.priority.optimise import (
    native_output_to_stderr as native_output_to_stderr,
)
from epmo.settings import current
from epmo.store import Store

SCENARIO_KIND = "selection_scenario"
BASES = ("bac", "remaining")
BASIS_COLUMN = {"bac": "budget_bac", "remaining": "remaining_cost"}


# --------------------------------------------------------------------------- data


def candidates(
    con: duckdb.DuckDBPyConnection,
    as_of: dt.date,
    portfolios: Sequence[str] = (),
    programmes: Sequence[str] = (),
    excluded_stages: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Candidate projects as of the week (stages in priority.excluded_stages left out)."""
    excluded = list(current().priority.excluded_stages if excluded_stages is None else excluded_stages)
    return sql.df(
        con,
        "priority/candidates",
        as_of=as_of,
        portfolios=list(portfolios),
        programmes=list(programmes),
        excluded_stages=excluded,
        current_stages=list(current().priority.current_stages),
    )


def dependencies(con: duckdb.DuckDBPyConnection, as_of: dt.date) -> pd.DataFrame:
    """Open dependencies: project_id depends on depends_on_project_id."""
    return sql.df(con, "priority/dependencies", as_of=as_of)


def capacity_inputs(con: duckdb.DuckDBPyConnection, as_of: dt.date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The capacity constraint's inputs at month grain: the capacity module's definitions.

    Returns (demand, supply):
      demand: project_id, role, period_start (1st of the month), demand_hours
              (confirmed + tentative, capacity.project_role_demand)
      supply: role, period_start, capacity_hours (all teams, capacity.role_supply)
    Both are spread over working days and start at the Monday of the as-of week (earlier
    demand is past, not piled on), for priority.capacity_horizon_months months.
    """
    months = current().priority.capacity_horizon_months
    demand = capacity.project_role_demand(con, as_of, "month", months)
    supply = capacity.role_supply(con, as_of, "month", months)
    return (
        demand[["project_id", "role", "period_start", "demand_hours"]],
        supply[["role", "period_start", "capacity_hours"]],
    )


# --------------------------------------------------------------------------- models


def model_versions(store: Store | None) -> list[dict[str, Any]]:
    """Every usable model: built-ins, then the latest version of each saved one."""
    out = [
        {"name": m.name, "version": m.version, "type": m.type, "saved_by": "built-in", "saved_at": None}
        for m in BUILT_INS.values()
    ]
    if store is not None and store.exists():
        for row in store.documents(KIND):
            try:
                m = from_document(row)
            except ModelError:
                continue
            out.append(
                {
                    "name": m.name,
                    "version": m.version,
                    "type": m.type,
                    "saved_by": m.saved_by,
                    "saved_at": row["saved_at"],
                }
            )
    return out


def resolve_model(
    store: Store | None, name: str | None = None, version: int | None = None, model_file: str | None = None
) -> ScoringModel:
    """A model by saved name (latest version unless `version`), built-in name, or JSON file."""
    if model_file:
        path = Path(model_file)
        if not path.is_file():
            raise ModelError(f"no such model file: {path}")
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ModelError(f"model file {path} cannot be read: {exc}") from None
        return from_spec(
            text, name or path.stem, version=0, saved_by=path.name
        )  # its name, not the machine's path (exports carry it)
    name = (name or DEFAULT_MODEL).strip()
    if name in BUILT_INS:
        if version not in (None, 0):
            raise ModelError(f"{name} is built-in and has no version {version}")
        return BUILT_INS[name]
    row = store.document(KIND, name, version) if store is not None and store.exists() else None
    if row is None:
        known = ", ".join(m["name"] for m in model_versions(store))
        what = f"{name!r} version {version}" if version is not None else repr(name)
        raise ModelError(f"no scoring model {what}; known models: {known}")
    return from_document(row)


def save_model(
    store: Store, name: str, spec: dict[str, Any] | str, identity: access.Identity
) -> ScoringModel:
    """Validate and save a new version of a model as `identity` (access.MATRIX["model"],
    checked by access.save_document); built-in names are reserved."""
    name = name.strip()
    if not name:
        raise ModelError("give the model a name")
    if name in BUILT_INS:
        raise ModelError(f"{name!r} is a built-in model; save under another name")
    model = from_spec(spec, name)
    access.save_document(store, identity, KIND, name, model.to_json())
    return resolve_model(store, name)


# --------------------------------------------------------------------------- selection


@dataclass
class Scenario:
    """What a selection is solved for (saved as kind selection_scenario)."""

    model: str = DEFAULT_MODEL
    model_version: int | None = None
    budget: float | None = None
    basis: str = "bac"
    with_capacity: bool = False
    force_in: list[str] = field(default_factory=list)
    force_out: list[str] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> Scenario:
        data = json.loads(text)
        known = {k: data[k] for k in asdict(cls()) if k in data}
        return cls(**known)

    def check(self) -> None:
        if self.basis not in BASES:
            raise ValueError(f"budget basis must be one of {', '.join(BASES)}, not {self.basis!r}")
        if self.budget is not None and (not np.isfinite(self.budget) or self.budget < 0):
            raise ValueError(f"the budget must be a number >= 0, not {self.budget}")


@dataclass
class SelectionResult:
    scenario: Scenario
    model: ScoringModel
    ranked: pd.DataFrame  # scoring.score output plus cost, is_selected, why_required
    problem: Problem
    selection: Selection | None
    error: str  # the infeasibility message, or ""
    notes: list[str]
    capacity: tuple[pd.DataFrame, pd.DataFrame] | None = None  # capacity_inputs, constrained or not


def build_problem(
    ranked: pd.DataFrame,
    deps: pd.DataFrame,
    scenario: Scenario,
    capacity: tuple[pd.DataFrame, pd.DataFrame] | None = None,
) -> tuple[Problem, list[str]]:
    """The MILP of a scenario over ranked candidates; notes on inputs left out."""
    scenario.check()
    notes: list[str] = []
    ids = ranked["project_id"].astype(str).tolist()
    known = set(ids)
    cost_col = BASIS_COLUMN[scenario.basis]
    cost = pd.to_numeric(ranked[cost_col], errors="coerce").fillna(0.0).clip(lower=0).to_numpy(dtype=float)
    pairs = []
    for a, b in deps[["project_id", "depends_on_project_id"]].drop_duplicates().itertuples(index=False):
        if a in known and b in known:
            pairs.append((str(a), str(b)))
        elif a in known:
            notes.append(
                f"{a} depends on {b}, which is not a candidate here (finished, stopped or filtered out): not constrained"
            )
    rows: dict[tuple[str, str], tuple[np.ndarray, float]] = {}
    if scenario.with_capacity and capacity is not None:
        demand, supply = capacity
        pos = {p: i for i, p in enumerate(ids)}
        dem = demand[demand["project_id"].isin(known)]
        # hours planned by projects outside this selection (other portfolios under a filter,
        # or stages that are not candidates) stay theirs: the limit is what is left
        others = (
            demand[~demand["project_id"].isin(known)].groupby(["role", "period_start"])["demand_hours"].sum()
        )
        for (role, period), part in dem.groupby(["role", "period_start"]):
            vec = np.zeros(len(ids))
            for pid, hours in zip(part["project_id"], part["demand_hours"], strict=True):
                vec[pos[pid]] += float(hours)
            cap = supply[(supply["role"] == role) & (supply["period_start"] == period)]["capacity_hours"]
            label = pd.Timestamp(period).strftime("%b %Y")
            if cap.empty:
                notes.append(f"no capacity reported for {role} in {label}: that month is not constrained")
                continue
            taken = float(others.get((role, period), 0.0))
            if taken > 0:
                notes.append(
                    f"{role} in {label}: {taken:,.0f} of {float(cap.sum()):,.0f} h are planned by projects "
                    "outside this selection; the limit is what is left"
                )
            rows[(str(role), label)] = (vec, max(float(cap.sum()) - taken, 0.0))
    mandatory = set(ranked.loc[ranked["is_mandatory"].fillna(False).astype(bool), "project_id"].astype(str))
    problem = Problem(
        ids=ids,
        score=ranked["score"].to_numpy(dtype=float),
        cost=cost,
        budget=scenario.budget,
        mandatory=mandatory,
        force_in={p.strip() for p in scenario.force_in if p.strip()},
        force_out={p.strip() for p in scenario.force_out if p.strip()},
        dependencies=pairs,
        capacity=rows,
    )
    return problem, notes


def select(
    con: duckdb.DuckDBPyConnection,
    as_of: dt.date,
    model: ScoringModel,
    scenario: Scenario,
    portfolios: Sequence[str] = (),
    programmes: Sequence[str] = (),
    frame: pd.DataFrame | None = None,
) -> SelectionResult:
    """Score the candidates, build the scenario's MILP and solve it (never raises Infeasible)."""
    cap = capacity_inputs(con, as_of)
    ranked, problem, notes = _scored_problem(con, as_of, model, scenario, portfolios, programmes, frame, cap)
    ranked = ranked.copy()
    ranked["cost"] = problem.cost
    try:
        selection = solve(problem)
        error = ""
    except Infeasible as exc:
        selection, error = None, str(exc)
    chosen = set(selection.chosen) if selection else set()
    ranked["is_selected"] = ranked["project_id"].isin(chosen)
    why = selection.required if selection else {}
    ranked["why_required"] = [why.get(p, "") for p in ranked["project_id"]]
    return SelectionResult(scenario, model, ranked, problem, selection, error, notes, cap)


def scenario_problem(
    con: duckdb.DuckDBPyConnection,
    as_of: dt.date,
    model: ScoringModel,
    scenario: Scenario,
    portfolios: Sequence[str] = (),
    programmes: Sequence[str] = (),
    frame: pd.DataFrame | None = None,
) -> Problem:
    """The scenario's MILP as `select` builds it, not solved (the efficient frontier's input:
    the frontier does not need the scenario's own selection)."""
    cap = capacity_inputs(con, as_of) if scenario.with_capacity else None
    return _scored_problem(con, as_of, model, scenario, portfolios, programmes, frame, cap)[1]


def _scored_problem(
    con: duckdb.DuckDBPyConnection,
    as_of: dt.date,
    model: ScoringModel,
    scenario: Scenario,
    portfolios: Sequence[str],
    programmes: Sequence[str],
    frame: pd.DataFrame | None,
    cap: tuple[pd.DataFrame, pd.DataFrame] | None,
) -> tuple[pd.DataFrame, Problem, list[str]]:
    """The candidates scored by the model and the scenario's MILP over them."""
    cands = candidates(con, as_of, portfolios, programmes) if frame is None else frame
    ranked = scoring.score(cands, model)
    problem, notes = build_problem(ranked, dependencies(con, as_of), scenario, cap)
    return ranked, problem, notes


def efficient_frontier_of(
    problem: Problem,
    steps: int | None = None,
    partial: Callable[[pd.DataFrame], None] | None = None,
) -> pd.DataFrame:
    """The frontier (epmo.priority.optimise.frontier); `partial(rows so far)` as each level
    is final, highest budget first."""
    return frontier(problem, int(steps or current().priority.frontier_steps), partial=partial)


def current_point(result: SelectionResult) -> tuple[float, float, int]:
    """The current portfolio (work in flight: priority.current_stages): cost, score, count."""
    cur = result.ranked[result.ranked["is_current"].fillna(False).astype(bool)]
    return float(cur["cost"].sum()), float(np.nan_to_num(cur["score"].to_numpy(dtype=float)).sum()), len(cur)


def scenario_summary(result: SelectionResult) -> dict[str, Any]:
    s = result.scenario
    sel = result.selection
    return {
        "model": result.model.label,
        "budget": s.budget,
        "basis": s.basis,
        "with_capacity": s.with_capacity,
        "forced_in": ", ".join(s.force_in),
        "forced_out": ", ".join(s.force_out),
        "status": "infeasible" if sel is None else "optimal" if sel.is_optimal else "time limit",
        "project_count": len(sel.chosen) if sel else 0,
        "total_score": sel.total_score if sel else np.nan,
        "total_cost": sel.total_cost if sel else np.nan,
        "binding": ", ".join(
            sel.constraints.loc[
                sel.constraints["is_binding"] & (sel.constraints["kind"] != "dependency"), "constraint"
            ]
        )
        if sel
        else result.error,
    }


# --------------------------------------------------------------------------- export views


def _model_from_options(store: Store, model: str | None, model_file: str | None) -> ScoringModel:
    try:
        return resolve_model(store, model, model_file=model_file)
    except ModelError as exc:
        raise ValueError(str(exc)) from None


def priority_scores(
    store: Store, as_of: dt.date, model: str | None = None, model_file: str | None = None
) -> pd.DataFrame:
    """Export view: project_id, project_name, score, rank, one column per criterion
    contribution (rice: factor), then moscow, score_note (why no score) and model (name and
    version)."""
    from epmo.pagedata import Filters
    from epmo.pagedata import priority as pages

    m = _model_from_options(store, model, model_file)
    con = store.connect()
    try:  # the Ranking page's data (epmo.pagedata.priority): the export shows what the page shows
        ranked = pages.ranking(con, Filters(as_of), scoring_model=m).ranked
    finally:
        con.close()
    parts = [c for c in ranked.columns if c.endswith(("_contribution", "_factor"))]
    out = ranked[["project_id", "project_name", "score", "rank", *parts, "moscow", "score_note"]].copy()
    out["model"] = m.label
    return out


def efficient_frontier(
    store: Store,
    as_of: dt.date,
    model: str | None = None,
    model_file: str | None = None,
    steps: int | None = None,
    budget_basis: str | None = None,
) -> pd.DataFrame:
    """Export view: budget, best_total_score, project_count (plus total_cost, is_feasible)."""
    from epmo.pagedata import Filters
    from epmo.pagedata import priority as pages

    m = _model_from_options(store, model, model_file)
    scenario = Scenario(model=m.name, model_version=m.version, basis=budget_basis or "bac")
    steps = int(steps or current().priority.frontier_steps)
    con = store.connect()
    try:  # the Selection page's data (epmo.pagedata.priority): the export shows what the page shows
        data = pages.frontier_levels(con, Filters(as_of), scenario.to_json(), steps=steps, scoring_model=m)
    finally:
        con.close()
    return data.frontier


def capacity_use(result: SelectionResult) -> pd.DataFrame:
    """What each role's capacity per month carries with the selection (whether or not the
    capacity constraint was on): role, period, used_hours (the selection's hours and the
    others_hours planned by projects that are not candidates, as the constraint counts them:
    its limit is what they leave), capacity_hours, used_pct. The heatmap showed the
    selection's hours alone, 90 % beside a constraint with no slack left."""
    cols = ["role", "period", "used_hours", "selection_hours", "others_hours", "capacity_hours", "used_pct"]
    if result.selection is None or result.capacity is None:
        return pd.DataFrame(columns=cols)
    demand, supply = result.capacity
    chosen = set(result.selection.chosen)
    candidates = set(result.problem.ids)

    def hours(rows: pd.DataFrame, name: str) -> pd.DataFrame:
        return (
            rows.groupby(["role", "period_start"], as_index=False)["demand_hours"]
            .sum()
            .rename(columns={"demand_hours": name})
        )

    out = supply.merge(
        hours(demand[demand["project_id"].isin(chosen)], "selection_hours"),
        on=["role", "period_start"],
        how="left",
    )
    out = out.merge(
        hours(demand[~demand["project_id"].isin(candidates)], "others_hours"),
        on=["role", "period_start"],
        how="left",
    )
    out[["selection_hours", "others_hours"]] = out[["selection_hours", "others_hours"]].fillna(0.0)
    out["used_hours"] = out["selection_hours"] + out["others_hours"]
    out["used_pct"] = 100.0 * out["used_hours"] / out["capacity_hours"].where(out["capacity_hours"] > 0)
    out = out.sort_values(["role", "period_start"]).reset_index(drop=True)
    out["period"] = pd.to_datetime(out["period_start"]).dt.strftime("%b %Y")
    return out[cols]
