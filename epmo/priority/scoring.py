"""Scores, ranks, MoSCoW labels and rank sensitivity of candidate projects under a model.

Input: the candidates frame (queries/priority/candidates.sql), one row per project.
Every model is a value matrix V (one row per project, one column per criterion) and a
weight vector w:
  weighted  score = V @ w           V = per-criterion (normalised, directed) values
  wsjf      score = V @ w           V = [business_value, time_criticality, risk_reduction] / job_size
  rice      score = prod_k V_k ** (s_k w_k)   V = [reach, impact, confidence/100, effort],
                                    s = (1, 1, 1, -1): effort divides
With w at its base value each model is the textbook formula; sensitivity moves w.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from epmo.priority.models import ScoringModel
from epmo.settings import current

UNSCORED = "Unscored"
MOSCOW_ORDER = ("Must", "Should", "Could", "Won't", UNSCORED)


@dataclass(frozen=True)
class Design:
    labels: tuple[str, ...]  # contribution column names
    values: np.ndarray  # n x k (0 where not scorable)
    is_scored: np.ndarray  # n bools
    reasons: list[str]  # n strings, "" when scored
    loglinear: bool  # rice: score = prod V ** (sign * w)


def _missing_reasons(frame: pd.DataFrame, columns: tuple[str, ...]) -> list[str]:
    """'missing a, b' per row naming its blank inputs (in model order), '' when none is blank."""
    blank = frame[list(columns)].isna().to_numpy()
    out = [""] * len(frame)
    for i in np.flatnonzero(blank.any(axis=1)):
        out[i] = "missing " + ", ".join(c for c, b in zip(columns, blank[i], strict=True) if b)
    return out


def design(frame: pd.DataFrame, model: ScoringModel) -> Design:
    """The value matrix of a model over the candidates (see the module docstring)."""
    n = len(frame)
    cols = model.columns
    data = {c: pd.to_numeric(frame[c], errors="coerce").to_numpy(dtype=float) for c in cols} if n else {}
    reasons = _missing_reasons(frame, cols) if n else []
    if model.type == "wsjf":
        js = data["job_size"] if n else np.zeros(0)
        for i in range(n):
            if not reasons[i] and js[i] <= 0:
                reasons[i] = "job_size must be above 0"
        ok = np.array([not r for r in reasons], dtype=bool)
        safe_js = np.where(ok, js, 1.0)
        parts = [np.where(ok, np.nan_to_num(data[c]) / safe_js, 0.0) for c in WSJF_PARTS] if n else []
        values = np.column_stack(parts) if n else np.zeros((0, 3))
        return Design(tuple(f"{c}_contribution" for c in WSJF_PARTS), values, ok, reasons, False)
    if model.type == "rice":
        eff = data["effort_person_months"] if n else np.zeros(0)
        for i in range(n):
            if not reasons[i] and eff[i] <= 0:
                reasons[i] = "effort_person_months must be above 0"
        ok = np.array([not r for r in reasons], dtype=bool)
        if not n:
            return Design(tuple(f"{c}_factor" for c in RICE_PARTS), np.zeros((0, 4)), ok, reasons, True)
        factors = np.column_stack(
            [
                np.nan_to_num(data["reach"]),
                np.nan_to_num(data["impact"]),
                np.nan_to_num(data["confidence"]) / 100.0,
                np.where(ok, eff, 1.0),
            ]
        )
        factors = np.where(ok[:, None], factors, 1.0)
        return Design(tuple(f"{c}_factor" for c in RICE_PARTS), factors, ok, reasons, True)
    # weighted
    ok = np.array([not r for r in reasons], dtype=bool)
    parts = []
    for c in model.criteria:
        v = data[c.column] if n else np.zeros(0)
        if c.normalisation == "minmax":
            known = v[~np.isnan(v)]
            lo, hi = (float(known.min()), float(known.max())) if known.size else (0.0, 0.0)
            if hi > lo:
                norm = (v - lo) / (hi - lo)
                norm = norm if c.direction == "higher" else 1.0 - norm
            else:
                norm = np.ones_like(v)  # every project has the same value: all fully meet it
        else:
            norm = v if c.direction == "higher" else -v
        parts.append(np.where(ok, np.nan_to_num(norm), 0.0))
    values = np.column_stack(parts) if n else np.zeros((0, len(model.criteria)))
    return Design(tuple(f"{c.column}_contribution" for c in model.criteria), values, ok, reasons, False)


WSJF_PARTS = ("business_value", "time_criticality", "risk_reduction")
RICE_PARTS = ("reach", "impact", "confidence", "effort_person_months")
RICE_SIGNS = np.array([1.0, 1.0, 1.0, -1.0])


def scores_for(d: Design, weights: np.ndarray) -> np.ndarray:
    """Scores for one weight vector (k,) or many (N, k) -> (n,) or (N, n); unscored = nan."""
    if d.loglinear:
        exps = np.atleast_2d(weights) * RICE_SIGNS  # (N, k)
        raw = np.prod(d.values[None, :, :] ** exps[:, None, :], axis=2)
        raw = raw if np.ndim(weights) == 2 else raw[0]
    else:
        raw = weights @ d.values.T
    return np.where(d.is_scored, raw, np.nan)


def ranks_of(scores: np.ndarray) -> np.ndarray:
    """Competition ranks (1 = best; ties share the better rank) of one or many score rows.

    nan scores get no rank (0 in the output; callers place them after the scored).
    All rows at once: each row sorted best first, a score's rank is 1 + the position of the
    first score equal to it (= 1 + how many scores are strictly greater); scores within a
    relative 1e-9 of each other are equal (floating-point noise of the same sum).
    """
    s = np.atleast_2d(scores)
    n, m = s.shape
    valid = ~np.isnan(s)
    key = np.where(valid, -s, np.inf)  # best first, nan last
    order = np.argsort(key, axis=1)
    srt = np.take_along_axis(key, order, axis=1)
    starts = np.empty((n, m), dtype=bool)
    starts[:, :1] = True
    # equal up to the last bits of a float: 4.65/19 computed two ways (0.70263157894736840 and
    # ...683) is one score, and the two projects share a rank
    starts[:, 1:] = ~np.isclose(srt[:, 1:], srt[:, :-1], rtol=1e-9, atol=1e-12)
    first = np.where(starts, np.arange(1, m + 1), 0)
    np.maximum.accumulate(first, axis=1, out=first)
    out = np.empty((n, m), dtype=int)
    out[np.arange(n)[:, None], order] = first
    out[~valid] = 0
    return out if scores.ndim == 2 else out[0]


def contributions(d: Design, weights: np.ndarray) -> np.ndarray:
    """Per-criterion breakdown: weighted/wsjf w_k * V_k (sums to the score); rice factors."""
    if d.loglinear:
        return np.where(d.is_scored[:, None], d.values ** (weights * RICE_SIGNS), np.nan)
    return np.where(d.is_scored[:, None], d.values * weights, np.nan)


def score(frame: pd.DataFrame, model: ScoringModel) -> pd.DataFrame:
    """The ranked table: identity, score, rank, MoSCoW, reason when unscored, breakdown.

    Unscored projects (a missing input) keep a blank score with the reason and are ranked
    after every scored project, by project_id. Sorted by rank.
    """
    d = design(frame, model)
    w = model.weights()
    sc = scores_for(d, w)
    base = frame[[c for c in IDENTITY if c in frame.columns]].reset_index(drop=True).copy()
    base["score"] = sc
    base["is_scored"] = d.is_scored
    base["score_note"] = d.reasons
    rk = ranks_of(sc)
    n_scored = int(d.is_scored.sum())
    order_unscored = base.loc[~d.is_scored, "project_id"].sort_values().index
    rk[order_unscored] = n_scored + 1 + np.arange(len(order_unscored))
    base["rank"] = rk
    base["moscow"] = moscow_labels(base, model)
    contrib = contributions(d, w)
    for j, label in enumerate(d.labels):
        base[label] = contrib[:, j] if len(base) else []
    for c in model.columns:
        if c in frame.columns:
            base[f"input_{c}"] = frame[c].to_numpy()
    return base.sort_values(["rank", "project_id"]).reset_index(drop=True)


IDENTITY = (
    "project_id",
    "project_name",
    "portfolio",
    "programme",
    "stage",
    "is_mandatory",
    "is_current",
    "budget_bac",
    "remaining_cost",
)


def moscow_labels(ranked: pd.DataFrame, model: ScoringModel) -> list[str]:
    """Must = mandatory; of the other scored projects by rank, the top should_top_pct %
    are Should, down to could_top_pct % Could, the rest Won't; no score = Unscored."""
    mandatory = ranked.get("is_mandatory", pd.Series(False, index=ranked.index)).fillna(False).astype(bool)
    labels = pd.Series(UNSCORED, index=ranked.index, dtype=object)
    labels[mandatory] = "Must"
    others = ranked[~mandatory & ranked["is_scored"]].sort_values(["rank", "project_id"])
    m = len(others)
    for pos, idx in enumerate(others.index, start=1):
        pct = 100.0 * pos / m
        labels[idx] = (
            "Should" if pct <= model.should_top_pct else "Could" if pct <= model.could_top_pct else "Won't"
        )
    return labels.tolist()


def sensitivity(
    frame: pd.DataFrame,
    model: ScoringModel,
    runs: int | None = None,
    pct: float | None = None,
    seed: int | None = None,
) -> pd.DataFrame:
    """Rank stability: `runs` random weight vectors, each weight times U(1-pct%, 1+pct%).

    One row per scored project: base_rank, rank_min, rank_median, rank_max, rank_spread
    (max - min), sorted by base rank. Reproducible for a given seed.
    """
    runs = int(runs if runs is not None else current().priority.sensitivity_runs)
    pct = float(pct if pct is not None else current().priority.sensitivity_pct)
    seed = int(seed if seed is not None else current().priority.sensitivity_seed)
    if runs < 1 or not 0 <= pct < 100:
        raise ValueError("sensitivity needs at least 1 run and a perturbation between 0 and 100 %")
    d = design(frame, model)
    w = model.weights()
    rng = np.random.default_rng(seed)
    factors = rng.uniform(1 - pct / 100, 1 + pct / 100, size=(runs, w.size))
    ws = w * factors
    if not d.loglinear:
        ws = ws / ws.sum(axis=1, keepdims=True)
    # the unscored (nan) columns rank nothing: ranking only the scored ones gives the same ranks
    ranks = ranks_of(scores_for(d, ws)[:, d.is_scored])
    base = ranks_of(scores_for(d, w)[d.is_scored])
    ids = frame.reset_index(drop=True).loc[d.is_scored]
    out = pd.DataFrame(
        {
            "project_id": ids["project_id"].to_numpy(),
            "project_name": ids["project_name"].to_numpy() if "project_name" in ids else "",
            "base_rank": base,
            "rank_min": ranks.min(axis=0) if runs else base,
            "rank_median": np.median(ranks, axis=0),
            "rank_max": ranks.max(axis=0),
        }
    )
    out["rank_spread"] = out["rank_max"] - out["rank_min"]
    return out.sort_values(["base_rank", "project_id"]).reset_index(drop=True)


def compare(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    """Two ranked tables side by side: rank under each model and the change as an arrow.

    rank_change = rank_a - rank_b (positive: the project moves up under model B).
    """
    left = a[["project_id", "project_name", "score", "rank"]].rename(
        columns={"score": "score_a", "rank": "rank_a"}
    )
    right = b[["project_id", "score", "rank"]].rename(columns={"score": "score_b", "rank": "rank_b"})
    out = left.merge(right, on="project_id", how="outer")
    out["rank_change"] = out["rank_a"] - out["rank_b"]
    out["movement"] = [arrow(v) for v in out["rank_change"]]
    return out.sort_values(["rank_b", "project_id"]).reset_index(drop=True)


def arrow(change: float) -> str:
    if pd.isna(change):
        return ""
    change = int(change)
    return f"▲ {change}" if change > 0 else f"▼ {-change}" if change < 0 else "="
