"""Scoring models: a JSON spec, validated; built-ins; AHP weights; saved versions.

Spec (what the app saves with priority.save_model, a document of kind "scoring_model", and what
`--model-file` reads):

    {"type": "weighted" | "wsjf" | "rice",
     "description": "...",
     "criteria": [{"column": "strategic_alignment", "weight": 0.3,
                   "direction": "higher" | "lower", "normalisation": "none" | "minmax"}],
     "ahp": {"matrix": [[1, 3], [0.3333, 1]]},          optional, weighted models only
     "moscow": {"should_top_pct": 30, "could_top_pct": 70}}   optional

`wsjf` and `rice` models take no criteria list (their formulas are fixed; see
docs/priority.md); their implicit weights are 1 and are what sensitivity perturbs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from epmo import contract
from epmo.settings import current

KIND = "scoring_model"
TYPES = ("weighted", "wsjf", "rice")
DIRECTIONS = ("higher", "lower")
NORMALISATIONS = ("none", "minmax")
BUILT_IN_VERSION = 0

# Criteria may only be numeric columns of the projects table (the contract's allow-list).
NUMERIC_COLUMNS: tuple[str, ...] = tuple(
    c.name for c in contract.PROJECTS.columns if c.type in (contract.NUMBER, contract.INTEGER)
)
WSJF_COLUMNS = ("business_value", "time_criticality", "risk_reduction", "job_size")
RICE_COLUMNS = ("reach", "impact", "confidence", "effort_person_months")

# Saaty's random consistency index by matrix size (Saaty 1980; n = 1..10).
RANDOM_INDEX = {1: 0.0, 2: 0.0, 3: 0.58, 4: 0.90, 5: 1.12, 6: 1.24, 7: 1.32, 8: 1.41, 9: 1.45, 10: 1.49}


class ModelError(ValueError):
    """A scoring model spec that cannot be used; the message says what to fix."""


@dataclass(frozen=True)
class Criterion:
    column: str
    weight: float
    direction: str = "higher"
    normalisation: str = "none"


@dataclass(frozen=True)
class AhpResult:
    weights: tuple[float, ...]
    lambda_max: float
    consistency_index: float
    consistency_ratio: float

    @property
    def is_consistent(self) -> bool:
        return self.consistency_ratio <= current().priority.ahp_max_consistency_ratio


@dataclass(frozen=True)
class ScoringModel:
    name: str
    type: str
    criteria: tuple[Criterion, ...] = ()
    description: str = ""
    version: int = BUILT_IN_VERSION
    saved_by: str = "built-in"
    saved_at: str = ""
    ahp_matrix: tuple[tuple[float, ...], ...] = ()
    should_top_pct: float = field(default_factory=lambda: float(current().priority.should_top_pct))
    could_top_pct: float = field(default_factory=lambda: float(current().priority.could_top_pct))

    @property
    def label(self) -> str:
        """What produced a ranking: name and version (or built-in)."""
        if self.version != BUILT_IN_VERSION:
            return f"{self.name} v{self.version}"
        # a model read from a JSON file (resolve_model's model_file) carries the file's path
        if self.saved_by in ("built-in", ""):
            return f"{self.name} (built-in)"
        return f"{self.name} (from {self.saved_by})"

    @property
    def columns(self) -> tuple[str, ...]:
        """The project columns the model reads."""
        if self.type == "wsjf":
            return WSJF_COLUMNS
        if self.type == "rice":
            return RICE_COLUMNS
        return tuple(c.column for c in self.criteria)

    @property
    def ahp(self) -> AhpResult | None:
        return ahp_weights(self.ahp_matrix) if self.ahp_matrix else None

    def weights(self) -> np.ndarray:
        """Criterion weights normalised to sum to 1 (AHP weights when a matrix is given).

        For wsjf (business_value, time_criticality, risk_reduction) and rice (reach,
        impact, confidence, effort) the implicit weights are 1 each.
        """
        if self.type == "wsjf":
            return np.ones(3)
        if self.type == "rice":
            return np.ones(4)
        ahp = self.ahp
        if ahp is not None:
            return np.array(ahp.weights)
        w = np.array([c.weight for c in self.criteria], dtype=float)
        return w / w.sum()

    def to_spec(self) -> dict[str, Any]:
        spec: dict[str, Any] = {"type": self.type, "description": self.description}
        if self.type == "weighted":
            spec["criteria"] = [
                {
                    "column": c.column,
                    "weight": c.weight,
                    "direction": c.direction,
                    "normalisation": c.normalisation,
                }
                for c in self.criteria
            ]
            if self.ahp_matrix:
                spec["ahp"] = {"matrix": [list(r) for r in self.ahp_matrix]}
        spec["moscow"] = {"should_top_pct": self.should_top_pct, "could_top_pct": self.could_top_pct}
        return spec

    def to_json(self) -> str:
        return json.dumps(self.to_spec(), indent=1)


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not np.isfinite(value):
        raise ModelError(f"{what} must be a number, not {value!r}")
    return float(value)


def from_spec(
    spec: Any, name: str, version: int = BUILT_IN_VERSION, saved_by: str = "", saved_at: str = ""
) -> ScoringModel:
    """Validate a spec (a dict, or JSON text) into a model; ModelError says what is wrong."""
    if isinstance(spec, str | bytes):
        try:
            spec = json.loads(spec)
        except json.JSONDecodeError as exc:
            raise ModelError(f"model {name!r} is not valid JSON: {exc.msg} (line {exc.lineno})") from None
    if not isinstance(spec, dict):
        raise ModelError(f"model {name!r} must be a JSON object with a 'type'")
    kind = spec.get("type")
    if kind not in TYPES:
        raise ModelError(f"model {name!r}: type must be one of {', '.join(TYPES)}, not {kind!r}")
    unknown = sorted(set(spec) - {"type", "description", "criteria", "ahp", "moscow", "name"})
    if unknown:
        raise ModelError(f"model {name!r}: unknown key(s) {', '.join(unknown)}")
    criteria: list[Criterion] = []
    matrix: tuple[tuple[float, ...], ...] = ()
    if kind == "weighted":
        raw = spec.get("criteria")
        if not isinstance(raw, list) or not raw:
            raise ModelError(f"model {name!r}: a weighted model needs a non-empty 'criteria' list")
        for i, c in enumerate(raw, start=1):
            if not isinstance(c, dict):
                raise ModelError(f"model {name!r}: criterion {i} must be an object")
            col = c.get("column")
            if col not in NUMERIC_COLUMNS:
                raise ModelError(
                    f"model {name!r}: criterion {i} column {col!r} is not a numeric project column; "
                    f"choose from {', '.join(NUMERIC_COLUMNS)}"
                )
            weight = _number(c.get("weight", 1.0), f"criterion {col} weight")
            if weight < 0:
                raise ModelError(f"model {name!r}: criterion {col} weight must be >= 0, not {weight}")
            direction = c.get("direction", "higher")
            if direction not in DIRECTIONS:
                raise ModelError(f"model {name!r}: criterion {col} direction must be higher or lower")
            norm = c.get("normalisation", "none")
            if norm not in NORMALISATIONS:
                raise ModelError(f"model {name!r}: criterion {col} normalisation must be none or minmax")
            criteria.append(Criterion(col, weight, direction, norm))
        cols = [c.column for c in criteria]
        dupes = sorted({c for c in cols if cols.count(c) > 1})
        if dupes:
            raise ModelError(f"model {name!r}: criterion listed twice: {', '.join(dupes)}")
        if "ahp" in spec:
            ahp = spec["ahp"]
            m = ahp.get("matrix") if isinstance(ahp, dict) else None
            if (
                not isinstance(m, list)
                or len(m) != len(criteria)
                or any(not isinstance(r, list) or len(r) != len(criteria) for r in m)
            ):
                raise ModelError(
                    f"model {name!r}: ahp.matrix must be {len(criteria)} x {len(criteria)} "
                    "(one row and column per criterion, in order)"
                )
            matrix = tuple(tuple(_number(v, "ahp.matrix entry") for v in r) for r in m)
            ahp_weights(matrix)  # validates
        elif sum(c.weight for c in criteria) <= 0:
            raise ModelError(f"model {name!r}: at least one weight must be above 0")
    elif spec.get("criteria"):
        raise ModelError(f"model {name!r}: a {kind} model has fixed inputs and takes no 'criteria'")
    moscow = spec.get("moscow") or {}
    if not isinstance(moscow, dict):
        raise ModelError(f"model {name!r}: moscow must be an object")
    should = _number(moscow.get("should_top_pct", current().priority.should_top_pct), "moscow.should_top_pct")
    could = _number(moscow.get("could_top_pct", current().priority.could_top_pct), "moscow.could_top_pct")
    if not 0 <= should <= could <= 100:
        raise ModelError(f"model {name!r}: need 0 <= should_top_pct <= could_top_pct <= 100")
    return ScoringModel(
        name=name,
        type=kind,
        criteria=tuple(criteria),
        description=str(spec.get("description") or ""),
        version=version,
        saved_by=saved_by,
        saved_at=saved_at,
        ahp_matrix=matrix,
        should_top_pct=should,
        could_top_pct=could,
    )


def ahp_weights(matrix: Any) -> AhpResult:
    """Saaty's AHP: weights = principal eigenvector of the reciprocal pairwise matrix.

    CI = (lambda_max - n) / (n - 1); CR = CI / RI(n) with Saaty's random index.
    """
    a = np.asarray(matrix, dtype=float)
    n = a.shape[0]
    if a.ndim != 2 or a.shape != (n, n) or n < 1 or n > max(RANDOM_INDEX):
        raise ModelError(f"an AHP matrix must be square, 1 to {max(RANDOM_INDEX)} criteria")
    if np.any(a <= 0) or not np.all(np.isfinite(a)):
        raise ModelError("AHP comparisons must be positive numbers (1/9 .. 9)")
    if not np.allclose(np.diag(a), 1.0):
        raise ModelError("the AHP matrix diagonal must be 1 (a criterion compared with itself)")
    if not np.allclose(a * a.T, 1.0, rtol=0.02):
        raise ModelError("the AHP matrix must be reciprocal: entry [j][i] = 1 / entry [i][j]")
    values, vectors = np.linalg.eig(a)
    k = int(np.argmax(values.real))
    w = np.abs(vectors[:, k].real)
    w = w / w.sum()
    lam = float(values[k].real)
    ci = (lam - n) / (n - 1) if n > 2 else 0.0
    ri = RANDOM_INDEX[n]
    cr = ci / ri if ri else 0.0
    return AhpResult(tuple(float(x) for x in w), lam, max(ci, 0.0), max(cr, 0.0))


def _builtins() -> dict[str, ScoringModel]:
    weighted = from_spec(
        {
            "type": "weighted",
            "description": "Default weighted model: strategy, value, urgency and risk reduction "
            "(higher is better), job size (smaller is better), each min-max normalised.",
            "criteria": [
                {
                    "column": "strategic_alignment",
                    "weight": 0.30,
                    "direction": "higher",
                    "normalisation": "minmax",
                },
                {
                    "column": "business_value",
                    "weight": 0.25,
                    "direction": "higher",
                    "normalisation": "minmax",
                },
                {
                    "column": "time_criticality",
                    "weight": 0.15,
                    "direction": "higher",
                    "normalisation": "minmax",
                },
                {
                    "column": "risk_reduction",
                    "weight": 0.15,
                    "direction": "higher",
                    "normalisation": "minmax",
                },
                {"column": "job_size", "weight": 0.15, "direction": "lower", "normalisation": "minmax"},
            ],
        },
        "weighted",
        saved_by="built-in",
    )
    wsjf = from_spec(
        {
            "type": "wsjf",
            "description": "SAFe WSJF: (business_value + time_criticality + risk_reduction) / job_size.",
        },
        "wsjf",
        saved_by="built-in",
    )
    rice = from_spec(
        {
            "type": "rice",
            "description": "RICE: reach x impact x confidence (%) / effort_person_months.",
        },
        "rice",
        saved_by="built-in",
    )
    return {m.name: m for m in (weighted, wsjf, rice)}


BUILT_INS: dict[str, ScoringModel] = _builtins()
DEFAULT_MODEL = "weighted"


def from_document(row: dict[str, Any]) -> ScoringModel:
    """A model from a saved documents row (name, version, saved_by, saved_at, spec)."""
    return from_spec(
        row["spec"],
        str(row["name"]),
        version=int(row["version"]),
        saved_by=str(row.get("saved_by") or ""),
        saved_at=str(row.get("saved_at") or ""),
    )
