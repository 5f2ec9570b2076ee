"""Prioritisation pages: the models on offer, ranking, sensitivity, portfolio selection and
its efficient frontier, saved models and scenarios. The ranking slide reads `ranking`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from epmo import labels, priority, settings, sql
from epmo.pagedata.base import Con, Filters, PageData, sql_names
from epmo.priority import models, optimise, scoring
from epmo.priority.models import ScoringModel


@dataclass(frozen=True, eq=False)
class ModelsData(PageData):
    """Built-ins first, then the latest version of every saved model that parses."""

    models: list[ScoringModel]
    saved: pd.DataFrame  # the saved models' latest versions
    sql: dict[str, str] = sql_names(saved="ledger/documents", versions="ledger/document_versions")

    @property
    def names(self) -> list[str]:
        return [m.name for m in self.models]

    def get(self, name: str) -> ScoringModel:
        return next((m for m in self.models if m.name == name), models.BUILT_INS[models.DEFAULT_MODEL])


def model_choices(con: Con, f: Filters) -> ModelsData:
    saved = sql.df(con, "ledger/documents", kind=models.KIND)
    out: list[ScoringModel] = list(models.BUILT_INS.values())
    for row in saved.to_dict("records"):
        try:
            out.append(models.from_document(row))
        except models.ModelError:
            continue  # an unusable saved spec never breaks the page
    return ModelsData(out, saved)


def model_version(con: Con, name: str, version: int | None = None) -> ScoringModel | None:
    """A model by name and version (latest when None); None when it does not exist."""
    if name in models.BUILT_INS:
        return models.BUILT_INS[name]
    rows = sql.df(con, "ledger/document_versions", kind=models.KIND, name=name).to_dict("records")
    row = next((r for r in rows if version is None or int(r["version"]) == int(version)), None)
    try:
        return models.from_document(row) if row else None
    except models.ModelError:
        return None


def versions(con: Con, f: Filters, name: str) -> pd.DataFrame:
    """The saved versions of one model (the Models page)."""
    return sql.df(con, "ledger/document_versions", kind=models.KIND, name=name)


def _model(con: Con, name: str | None, version: int | None = None) -> ScoringModel:
    return model_version(con, name or models.DEFAULT_MODEL, version) or models.BUILT_INS[models.DEFAULT_MODEL]


def _candidates(con: Con, f: Filters, excluded: Sequence[str] | None) -> pd.DataFrame:
    return priority.candidates(con, f.as_of, f.portfolios, f.programmes, excluded)


@dataclass(frozen=True, eq=False)
class RankingData(PageData):
    model: ScoringModel
    candidates: pd.DataFrame
    ranked: pd.DataFrame
    shown: pd.DataFrame  # after the MoSCoW labels and the search
    other: ScoringModel | None
    compare: pd.DataFrame  # rank under model and other (empty without other)
    sql: dict[str, str] = sql_names(ranked="priority/candidates")

    @property
    def scored(self) -> int:
        return int(self.ranked["is_scored"].sum()) if len(self.ranked) else 0

    @property
    def parts(self) -> list[str]:
        return [c for c in self.ranked.columns if c.endswith(("_contribution", "_factor"))]


def ranking(
    con: Con,
    f: Filters,
    model: str | None = None,
    version: int | None = None,
    excluded: tuple[str, ...] | None = None,
    other: str | None = None,
    moscow: tuple[str, ...] = (),
    search: str = "",
    scoring_model: ScoringModel | None = None,
) -> RankingData:
    """Candidates scored by a model (a saved or built-in one by name, or `scoring_model`, a
    model read from a file by the command line)."""
    m = scoring_model or _model(con, model, version)
    cands = _candidates(con, f, excluded)
    ranked = scoring.score(cands, m) if len(cands) else cands
    shown = ranked
    if moscow:
        shown = shown[shown["moscow"].isin(list(moscow))]
    if search.strip():
        text = search.strip().lower()
        shown = shown[
            shown["project_id"].str.lower().str.contains(text, regex=False)
            | shown["project_name"].str.lower().str.contains(text, regex=False)
        ]
    o = model_version(con, other) if other else None
    both = (
        scoring.compare(ranked, scoring.score(cands, o)) if o is not None and len(cands) else pd.DataFrame()
    )
    return RankingData(m, cands, ranked, shown, o, both)


@dataclass(frozen=True, eq=False)
class SensitivityData(PageData):
    model: ScoringModel
    sensitivity: pd.DataFrame
    sql: dict[str, str] = sql_names(sensitivity="priority/candidates")


def sensitivity(
    con: Con,
    f: Filters,
    model: str | None = None,
    version: int | None = None,
    runs: int | None = None,
    pct: float | None = None,
    seed: int | None = None,
    excluded: tuple[str, ...] | None = None,
) -> SensitivityData:
    m = _model(con, model, version)
    sens = scoring.sensitivity(
        _candidates(con, f, excluded),
        m,
        runs=int(settings.current().priority.sensitivity_runs if runs is None else runs),
        pct=float(settings.current().priority.sensitivity_pct if pct is None else pct),
        seed=int(settings.current().priority.sensitivity_seed if seed is None else seed),
    )
    return SensitivityData(m, sens)


@dataclass(frozen=True, eq=False)
class SelectionData(PageData):
    candidates: pd.DataFrame
    result: priority.SelectionResult | None  # None: no candidates
    frontier: pd.DataFrame  # empty unless asked for
    sql: dict[str, str] = sql_names(
        ranked="priority/candidates",
        dependencies="priority/dependencies",
        demand="capacity/project_role_demand",
        supply="capacity/role_supply",
    )

    @property
    def ranked(self) -> pd.DataFrame:
        return self.result.ranked if self.result is not None else pd.DataFrame()

    def frames(self) -> dict[str, pd.DataFrame]:
        return {"candidates": self.candidates, "ranked": self.ranked, "frontier": self.frontier}

    @property
    def current(self) -> tuple[float, float, int]:
        """The current portfolio (the projects in priority.current_stages): cost, total
        score and count, the frontier chart's x mark (zeros without candidates)."""
        return priority.current_point(self.result) if self.result is not None else (0.0, 0.0, 0)

    @property
    def capacity_use(self) -> pd.DataFrame:
        """The capacity the selection uses, per role and month (empty without a selection or
        without capacity rows)."""
        return priority.capacity_use(self.result) if self.result is not None else pd.DataFrame()

    @property
    def constraints(self) -> pd.DataFrame:
        """The selection's constraints as the page shows them, binding first: used, limit and
        slack in the constraint's own unit (the budget in the portfolio's money format,
        capacity in hours; a dependency has none), since one number format cannot read for
        both. Empty when nothing was selected; downloads take the selection's own numbers."""
        sel = self.result.selection if self.result is not None else None
        if sel is None:
            return pd.DataFrame()
        out = sel.constraints.sort_values("is_binding", ascending=False, kind="stable").copy()
        unit = {"budget": labels.money, "capacity": lambda v: labels.text("capacity_hours", v)}
        for col in ("used", "limit", "slack"):
            out[col] = [unit[k](v) if k in unit else "" for k, v in zip(out["kind"], out[col], strict=True)]
        return out


@dataclass(frozen=True, eq=False)
class CandidatesData(PageData):
    candidates: pd.DataFrame
    sql: dict[str, str] = sql_names(candidates="priority/candidates")

    def costs(self, basis: str) -> tuple[float, float]:
        """What the current portfolio (work in flight) and every candidate cost on a basis."""
        c = self.candidates
        col = priority.BASIS_COLUMN[basis]
        return float(c.loc[c["is_current"], col].sum()), float(c[col].sum())

    @property
    def labels(self) -> dict[str, str]:
        c = self.candidates
        return dict(zip(c["project_id"], c["project_id"] + "  " + c["project_name"], strict=True))


def candidates(con: Con, f: Filters, excluded: tuple[str, ...] | None = None) -> CandidatesData:
    """The candidate projects (the selection page's budget and force in/out choices)."""
    return CandidatesData(_candidates(con, f, excluded))


def default_scenario(con: Con, f: Filters, with_capacity: bool = False) -> str:
    """The page's opening scenario: the default model, the current portfolio's BAC as budget."""
    cands = _candidates(con, f, None)
    m = _model(con, None)
    budget = round(float(cands.loc[cands["is_current"], "budget_bac"].sum()), -3) if len(cands) else 0.0
    return priority.Scenario(
        model=m.name, model_version=m.version, budget=budget, basis="bac", with_capacity=with_capacity
    ).to_json()


def selection(
    con: Con,
    f: Filters,
    scenario: str,
    excluded: tuple[str, ...] | None = None,
    frontier_steps: int = 0,
    scoring_model: ScoringModel | None = None,
) -> SelectionData:
    """A scenario (its JSON) solved exactly; with frontier_steps, its efficient frontier too.
    `scoring_model` (a model read from a file by the command line) replaces the scenario's."""
    scn = priority.Scenario.from_json(scenario)
    cands = _candidates(con, f, excluded)
    if cands.empty:
        return SelectionData(cands, None, pd.DataFrame())
    m = scoring_model or model_version(con, scn.model, scn.model_version)
    if m is None:
        raise ValueError(f"model {scn.model} v{scn.model_version} no longer exists")
    with priority.native_output_to_stderr():
        result = priority.select(con, f.as_of, m, scn, f.portfolios, f.programmes, frame=cands)
        front = (
            priority.efficient_frontier_of(result.problem, frontier_steps)
            if frontier_steps
            else pd.DataFrame()
        )
    return SelectionData(cands, result, front)


@dataclass(frozen=True, eq=False)
class FrontierData(PageData):
    frontier: pd.DataFrame  # budget, best_total_score, project_count, total_cost, is_feasible
    steps: int
    sql: dict[str, str] = sql_names(
        ranked="priority/candidates",
        dependencies="priority/dependencies",
        demand="capacity/project_role_demand",
        supply="capacity/role_supply",
    )


def frontier_levels(
    con: Con,
    f: Filters,
    scenario: str,
    excluded: tuple[str, ...] | None = None,
    steps: int | None = None,
    scoring_model: ScoringModel | None = None,
    on_level: Callable[[pd.DataFrame, int, int], None] | None = None,
) -> FrontierData:
    """The efficient frontier of a scenario (its JSON) at `steps` budget levels
    (priority.frontier_steps), without solving the scenario's own selection.

    `on_level(rows so far, levels done, steps)` is called as each level is final (highest
    budget first; the levels the required projects cannot meet come first, at once), so a
    page can draw the points as they arrive; an exception it raises stops the solve and
    its worker processes."""
    scn = priority.Scenario.from_json(scenario)
    n = int(steps or settings.current().priority.frontier_steps)
    cands = _candidates(con, f, excluded)
    if cands.empty:
        return FrontierData(pd.DataFrame(columns=optimise.FRONTIER_COLUMNS), n)
    m = scoring_model or model_version(con, scn.model, scn.model_version)
    if m is None:
        raise ValueError(f"model {scn.model} v{scn.model_version} no longer exists")
    problem = priority.scenario_problem(con, f.as_of, m, scn, f.portfolios, f.programmes, frame=cands)
    with priority.native_output_to_stderr():
        front = priority.efficient_frontier_of(
            problem, n, partial=None if on_level is None else (lambda rows: on_level(rows, len(rows), n))
        )
    return FrontierData(front, n)


def optimiser(con: Con, f: Filters, with_capacity: bool = False) -> SelectionData:
    """Portfolio selection at the page's default budget (the current portfolio's BAC)."""
    return selection(con, f, default_scenario(con, f, with_capacity))


def frontier(con: Con, f: Filters, with_capacity: bool = False) -> FrontierData:
    """The efficient frontier tab at the page's default scenario (priority.frontier_steps
    levels): what the tab computes once the page has its selection. The frontier does not
    depend on the budget: the tab asks without one, and so does this."""
    m = _model(con, None)
    scenario = priority.Scenario(
        model=m.name, model_version=m.version, budget=None, basis="bac", with_capacity=with_capacity
    )
    return frontier_levels(con, f, scenario.to_json())


@dataclass(frozen=True, eq=False)
class ScenariosData(PageData):
    saved: pd.DataFrame
    summary: pd.DataFrame  # one row per compared scenario
    differ: pd.DataFrame  # projects chosen in some compared scenarios but not all
    solved: int  # how many compared scenarios were solved
    sql: dict[str, str] = sql_names(saved="ledger/documents")


def scenarios(
    con: Con, f: Filters, compare: tuple[str, ...] = (), excluded: tuple[str, ...] | None = None
) -> ScenariosData:
    """Saved selection scenarios, and the chosen ones solved again on this week's data."""
    saved = sql.df(con, "ledger/documents", kind=priority.SCENARIO_KIND)
    rows: list[dict[str, Any]] = []
    picks: dict[str, set[str]] = {}
    for row in saved[saved["name"].isin(list(compare))].to_dict("records"):
        try:
            res = selection(con, f, row["spec"], excluded).result
        except (ValueError, TypeError, KeyError) as exc:
            status = str(exc) if "no longer exists" in str(exc) else f"cannot be used: {exc}"
            rows.append({"scenario": row["name"], "status": status})
            continue
        if res is None:
            continue
        rows.append({"scenario": row["name"], "version": row["version"], **priority.scenario_summary(res)})
        picks[row["name"]] = set(res.selection.chosen) if res.selection else set()
    differ = pd.DataFrame()
    if len(picks) >= 2:
        names = list(picks)
        every = sorted(set().union(*picks.values()))
        differ = pd.DataFrame(
            {"project_id": every, **{n: ["✓" if p in picks[n] else "" for p in every] for n in names}}
        )
        differ = differ[differ[names].nunique(axis=1) > 1]
    return ScenariosData(saved, pd.DataFrame(rows), differ, len(picks))
