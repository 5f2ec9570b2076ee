"""Capacity: demand (allocations) against supply (capacity) per role, team and person.

The definitions live in SQL, in `queries/capacity/` (DuckDB does the work):

- `capacity_demand_days_compute` / `capacity_supply_days_compute`: every allocations / capacity row as of the
  week, spread evenly over the working days (Monday to Friday) of its period. A
  `period_start` on a Monday is a week; on the 1st of a month it is a month (a Monday that
  is also the 1st is a week when the same line's (project, role, team and person; for
  supply team, role and person) next period starts less
  than a month later or, for its last period, the previous one less than four weeks
  before). So a week that spans two months is split between them by
  working days, and a month's hours land in each of its weeks.
- `capacity_scenario_demand` / `capacity_scenario_supply`: the same after a what-if (see
  `Scenario`), computed on the fly over the baseline; the store is never touched.
- `utilisation`, `shortage`, `cell_demand`, `past_demand`: what the pages and exports show.
  Demand dated before the Monday of the as-of week is left out of them (it is not piled
  onto the current week) and reported apart by `past_demand`.

Functions for other modules (e.g. the prioritisation optimiser), month grain by default:

- `project_role_demand(con, as_of, grain="month", horizon_months=None)` -> DataFrame with
  project_id, role, period_start, demand_hours, confirmed_hours, tentative_hours: the
  demand hours of every project per role per period (all projects, no what-if).
- `role_supply(con, as_of, grain="month", horizon_months=None)` -> DataFrame with role,
  period_start, capacity_hours: the hours available per role per period (all teams).

Both cover the Monday of the as-of week up to `horizon_end(as_of, horizon_months)`; `con`
is a store connection (`Store.connect()`), which has the capacity macros (store.DERIVED).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pandas as pd

from epmo import access, sql
from epmo.settings import current
from epmo.store import Store

GRAINS = ("week", "month", "quarter")
BYS = ("role", "team", "role_team", "person")
DEMANDS = ("all", "confirmed", "tentative")
KEYS = ("role", "team", "resource_name")
SCENARIO_KIND = "capacity_scenario"
CHANGE_KINDS = ("exclude", "shift", "scale", "capacity")
MAX_SHIFT_WEEKS = 104
MAX_SCALE_PCT = 1000.0


# --------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class Bands:
    limits_pct: tuple[float, ...]
    names: tuple[str, ...]
    colours: tuple[str, ...]
    no_capacity: str
    no_capacity_colour: str


def bands() -> Bands:
    """The utilisation bands of settings.toml [capacity]."""
    limits = tuple(float(x) for x in current().capacity.band_limits_pct)
    names = tuple(str(x) for x in current().capacity.band_names)
    colours = tuple(str(x) for x in current().capacity.band_colours)
    if len(names) != len(limits) + 1 or len(colours) != len(names) or list(limits) != sorted(limits):
        raise ValueError(
            "settings [capacity]: band_limits_pct must be increasing, with one more band name "
            "and colour than limits"
        )
    return Bands(
        limits,
        names,
        colours,
        current().capacity.no_capacity_band,
        current().capacity.no_capacity_colour,
    )


def band_index(utilisation_pct: float | None, band_set: Bands | None = None) -> int:
    """The band of a utilisation in % by the rule of queries/capacity/utilisation.sql (which
    bands the heatmap's cells): the number of band limits at or below it, so 100 % is in
    "100-120%"; -1 (no capacity) without a utilisation. For a utilisation worked out in
    Python (what a portfolio selection uses), so that it is coloured as the heatmap is."""
    if utilisation_pct is None or utilisation_pct != utilisation_pct:
        return -1
    b = band_set or bands()
    return sum(1 for limit in b.limits_pct if limit <= utilisation_pct)


def fte_hours_per_week() -> float:
    return current().capacity.fte_hours_per_week


def default_horizon_months() -> int:
    return current().capacity.horizon_months


def month_start(day: dt.date, add: int = 0) -> dt.date:
    m = day.month - 1 + add
    return dt.date(day.year + m // 12, m % 12 + 1, 1)


def horizon_end(as_of: dt.date, months: int | None = None) -> dt.date:
    """First day after the horizon: `months` calendar months counting the as-of month."""
    months = default_horizon_months() if months is None else months
    if months < 1:
        raise ValueError("the horizon is at least one month")
    return month_start(as_of, months)


# --------------------------------------------------------------------------- scenarios


@dataclass(frozen=True)
class Change:
    """One what-if transformation.

    kind "exclude" (project_id), "shift" (project_id, weeks: + later, - earlier), "scale"
    (project_id, percent: the project's demand becomes percent % of the plan), "capacity"
    (role, optional team, from_month: the 1st of a month, hours_per_week: + hire, - leave;
    or fte, converted with fte_hours_per_week).
    """

    kind: str
    project_id: str = ""
    weeks: int = 0
    percent: float = 100.0
    role: str = ""
    team: str = ""
    from_month: dt.date | None = None
    hours_per_week: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        if self.kind == "exclude":
            return {"kind": "exclude", "project_id": self.project_id}
        if self.kind == "shift":
            return {"kind": "shift", "project_id": self.project_id, "weeks": self.weeks}
        if self.kind == "scale":
            return {"kind": "scale", "project_id": self.project_id, "percent": self.percent}
        out: dict[str, Any] = {"kind": "capacity", "role": self.role}
        if self.team:
            out["team"] = self.team
        out["from_month"] = self.from_month.isoformat() if self.from_month else None
        out["hours_per_week"] = self.hours_per_week
        return out

    def describe(self) -> str:
        if self.kind == "exclude":
            return f"Leave out {self.project_id}"
        if self.kind == "shift":
            return f"Shift {self.project_id} by {self.weeks:+d} week{'' if abs(self.weeks) == 1 else 's'}"
        if self.kind == "scale":
            return f"Scale {self.project_id} to {self.percent:g}% of plan"
        fte = self.hours_per_week / fte_hours_per_week()
        where = f"{self.role}" + (f" ({self.team})" if self.team else "")
        when = f"{self.from_month:%b %Y}" if self.from_month else "?"
        return f"{where}: {self.hours_per_week:+g} h/week ({fte:+.1f} FTE) from {when}"


def _require(item: dict[str, Any], key: str, n: int) -> Any:
    if key not in item or item[key] in (None, ""):
        raise ValueError(f"change {n}: '{key}' is required for kind {item.get('kind')!r}")
    return item[key]


def _number(value: Any, key: str, n: int) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"change {n}: '{key}' must be a number, not {value!r}")
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(f"change {n}: '{key}' must be a finite number")
    return float(value)


def _month(value: Any, n: int) -> dt.date:
    text = str(value).strip()
    try:
        day = dt.date.fromisoformat(text + "-01" if len(text) == 7 else text)
    except ValueError:
        raise ValueError(
            f"change {n}: 'from_month' must be a month (YYYY-MM or YYYY-MM-01), not {value!r}"
        ) from None
    if day.day != 1:
        raise ValueError(f"change {n}: 'from_month' must be the 1st of a month, not {text}")
    return day


def parse_change(item: Any, n: int = 1) -> Change:
    """One change from its JSON form; a ValueError says exactly what is wrong."""
    if not isinstance(item, dict):
        raise ValueError(f"change {n}: expected an object, not {item!r}")
    kind = item.get("kind")
    if kind not in CHANGE_KINDS:
        raise ValueError(f"change {n}: 'kind' must be one of {', '.join(CHANGE_KINDS)}, not {kind!r}")
    if kind in ("exclude", "shift", "scale"):
        pid = str(_require(item, "project_id", n)).strip()
        if kind == "exclude":
            return Change("exclude", project_id=pid)
        if kind == "shift":
            weeks = _number(_require(item, "weeks", n), "weeks", n)
            if weeks != int(weeks) or abs(weeks) > MAX_SHIFT_WEEKS:
                raise ValueError(
                    f"change {n}: 'weeks' must be a whole number between -{MAX_SHIFT_WEEKS} and {MAX_SHIFT_WEEKS}"
                )
            return Change("shift", project_id=pid, weeks=int(weeks))
        pct = _number(_require(item, "percent", n), "percent", n)
        if not 0 <= pct <= MAX_SCALE_PCT:
            raise ValueError(f"change {n}: 'percent' must be between 0 and {MAX_SCALE_PCT:g}")
        return Change("scale", project_id=pid, percent=pct)
    role = str(_require(item, "role", n)).strip()
    start = _month(_require(item, "from_month", n), n)
    has_hours, has_fte = item.get("hours_per_week") is not None, item.get("fte") is not None
    if has_hours == has_fte:
        raise ValueError(f"change {n}: give either 'hours_per_week' or 'fte' for a capacity change")
    hours = (
        _number(item["hours_per_week"], "hours_per_week", n)
        if has_hours
        else _number(item["fte"], "fte", n) * fte_hours_per_week()
    )
    if hours == 0:
        raise ValueError(f"change {n}: a capacity change of 0 hours changes nothing")
    return Change(
        "capacity",
        role=role,
        team=str(item.get("team") or "").strip(),
        from_month=start,
        hours_per_week=hours,
    )


@dataclass(frozen=True)
class Scenario:
    """A what-if: an ordered list of changes applied over the baseline (never stored data)."""

    changes: tuple[Change, ...] = field(default_factory=tuple)

    @classmethod
    def from_json(cls, text: str) -> Scenario:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(
                f"the scenario is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
            ) from None
        return cls.from_dict(data)

    @classmethod
    def from_dict(cls, data: Any) -> Scenario:
        if isinstance(data, list):
            data = {"changes": data}
        if not isinstance(data, dict) or not isinstance(data.get("changes", []), list):
            raise ValueError('a scenario is an object {"changes": [...]}')
        unknown = sorted(set(data) - {"changes", "description"})
        if unknown:
            raise ValueError(f"unknown scenario field(s): {', '.join(unknown)}")
        return cls(tuple(parse_change(item, i) for i, item in enumerate(data.get("changes", []), start=1)))

    def to_json(self) -> str:
        return json.dumps({"changes": [c.to_dict() for c in self.changes]}, indent=1)

    def with_change(self, change: Change) -> Scenario:
        return Scenario((*self.changes, change))

    def without(self, index: int) -> Scenario:
        return Scenario(tuple(c for i, c in enumerate(self.changes) if i != index))

    @property
    def excluded(self) -> list[str]:
        return [c.project_id for c in self.changes if c.kind == "exclude"]

    def params(self) -> dict[str, list[Any]]:
        """The scenario as the bound list parameters of the capacity queries."""
        shifts = [c for c in self.changes if c.kind == "shift"]
        scales = [c for c in self.changes if c.kind == "scale"]
        caps = [c for c in self.changes if c.kind == "capacity"]
        return {
            "exclude_projects": self.excluded,
            "shift_projects": [c.project_id for c in shifts],
            "shift_weeks": [c.weeks for c in shifts],
            "scale_projects": [c.project_id for c in scales],
            "scale_pcts": [c.percent for c in scales],
            "change_roles": [c.role for c in caps],
            "change_teams": [c.team for c in caps],
            "change_from": [c.from_month for c in caps],
            "change_hours": [c.hours_per_week for c in caps],
        }


BASELINE = Scenario()


def save_scenario(
    store: Store, identity: access.Identity, name: str, scenario: Scenario, as_of: dt.date
) -> None:
    """Save a named scenario as `identity` (who may: access.MATRIX["scenario"]); a new
    version when the name exists, with who, when and as-of."""
    if not name.strip():
        raise ValueError("give the scenario a name")
    access.save_document(store, identity, SCENARIO_KIND, name, scenario.to_json(), as_of=as_of)


def load_scenario(store: Store, name: str, version: int | None = None) -> tuple[Scenario, dict[str, Any]]:
    """A saved scenario and its document row (name, version, saved_at, saved_by, as_of_date)."""
    doc = store.document(SCENARIO_KIND, name, version)
    if doc is None:
        raise KeyError(f"no saved scenario named {name!r}")
    return Scenario.from_json(doc["spec"]), doc


# --------------------------------------------------------------------------- queries


def _choice(value: str, allowed: Sequence[str], what: str) -> str:
    if value not in allowed:
        raise ValueError(f"{what} must be one of {', '.join(allowed)}, not {value!r}")
    return value


def query_params(
    as_of: dt.date,
    grain: str = "month",
    by: str = "role",
    demand: str = "all",
    horizon_months: int | None = None,
    portfolios: Iterable[str] = (),
    programmes: Iterable[str] = (),
    scenario: Scenario = BASELINE,
) -> dict[str, Any]:
    """The bound parameters shared by capacity/utilisation, shortage and cell_demand."""
    b = bands()
    return {
        "as_of": as_of,
        "horizon_end": horizon_end(as_of, horizon_months),
        "grain": _choice(grain, GRAINS, "grain"),
        "by": _choice(by, BYS, "by"),
        "demand": _choice(demand, DEMANDS, "demand"),
        "portfolios": list(portfolios),
        "programmes": list(programmes),
        **scenario.params(),
        "band_limits": list(b.limits_pct),
        "band_names": list(b.names),
        "no_capacity_band": b.no_capacity,
        "fte_hours_per_week": fte_hours_per_week(),
        "top_n": current().capacity.top_projects,
    }


def run(con: duckdb.DuckDBPyConnection, name: str, params: dict[str, Any]) -> pd.DataFrame:
    """A capacity query by name with (a superset of) its parameters."""
    wanted = sql.query(name).params
    return sql.df(con, name, **{k: v for k, v in params.items() if k in wanted})


def utilisation(con: duckdb.DuckDBPyConnection, as_of: dt.date, **options: Any) -> pd.DataFrame:
    """Heatmap cells: period_start, role, team, resource_name, demand/confirmed/tentative/capacity
    hours, has_capacity, utilisation_pct (NULL without capacity), band_index (-1 = no capacity), band.
    """
    return run(con, "capacity/utilisation", query_params(as_of, **options))


def shortage(con: duckdb.DuckDBPyConnection, as_of: dt.date, **options: Any) -> pd.DataFrame:
    """Hours and FTE short (+) or spare (-) per row and period, and the projects driving it."""
    return run(con, "capacity/shortage", query_params(as_of, **options))


def cell_demand(
    con: duckdb.DuckDBPyConnection,
    as_of: dt.date,
    period_start: dt.date,
    role: str | None = None,
    team: str | None = None,
    resource_name: str | None = None,
    **options: Any,
) -> pd.DataFrame:
    """The projects and people making up one heatmap cell's demand (None keys = any)."""
    params = query_params(as_of, **options) | {
        "period_start": period_start,
        "role": role,
        "team": team,
        "resource_name": resource_name,
    }
    return run(con, "capacity/cell_demand", params)


def past_demand(
    con: duckdb.DuckDBPyConnection,
    as_of: dt.date,
    portfolios: Iterable[str] = (),
    programmes: Iterable[str] = (),
) -> pd.DataFrame:
    """Demand dated before the as-of week, per role (left out of the heatmap, shown apart)."""
    return run(
        con,
        "capacity/past_demand",
        {"as_of": as_of, "portfolios": list(portfolios), "programmes": list(programmes)},
    )


def _baseline(
    con: duckdb.DuckDBPyConnection, name: str, as_of: dt.date, grain: str, horizon_months: int | None
) -> pd.DataFrame:
    params = {
        "as_of": as_of,
        "grain": _choice(grain, GRAINS, "grain"),
        "horizon_end": horizon_end(as_of, horizon_months),
    }
    return run(con, name, params)


def project_role_demand(
    con: duckdb.DuckDBPyConnection, as_of: dt.date, grain: str = "month", horizon_months: int | None = None
) -> pd.DataFrame:
    """Demand hours per project per role per period (see the module docstring)."""
    return _baseline(con, "capacity/project_role_demand", as_of, grain, horizon_months)


def role_supply(
    con: duckdb.DuckDBPyConnection, as_of: dt.date, grain: str = "month", horizon_months: int | None = None
) -> pd.DataFrame:
    """Available hours per role per period (see the module docstring)."""
    return _baseline(con, "capacity/role_supply", as_of, grain, horizon_months)


def compare(baseline: pd.DataFrame, scenario: pd.DataFrame) -> pd.DataFrame:
    """Baseline and scenario cells side by side, with band_changed where the band differs."""
    keys = ["period_start", *KEYS]
    cols = ["demand_hours", "capacity_hours", "utilisation_pct", "band_index", "band"]
    left = baseline[keys + cols].rename(columns={c: f"baseline_{c}" for c in cols})
    right = scenario[keys + cols].rename(columns={c: f"scenario_{c}" for c in cols})
    merged = left.merge(right, on=keys, how="outer")
    for side in ("baseline", "scenario"):
        merged[f"{side}_band"] = merged[f"{side}_band"].fillna("")
    merged["band_changed"] = merged["baseline_band"] != merged["scenario_band"]
    return merged.sort_values(keys, na_position="first").reset_index(drop=True)


def hours_short(cells: pd.DataFrame) -> float:
    """Total hours short over utilisation cells: demand above available hours (none = 0),
    the sum of the positive shortage_hours of capacity/shortage at the same grain and rows."""
    short = cells["demand_hours"] - cells["capacity_hours"].fillna(0)
    return float(short.clip(lower=0).sum())


def pct_label(utilisation_pct: float | None, limits: tuple[float, ...] | None = None) -> str:
    """A cell's utilisation as its label shows it: a whole percent, or to 0.1 % where the
    whole percent would cross a band limit (99.6 % is in 85-100 %: "99.6%", not "100%" in
    amber beside a red "100%"). "" for none (no capacity)."""
    if utilisation_pct is None or utilisation_pct != utilisation_pct:
        return ""
    u = float(utilisation_pct)
    whole = float(round(u))
    limits = bands().limits_pct if limits is None else limits
    crosses = any((u < limit) != (whole < limit) for limit in limits)
    return f"{u:.1f}%" if crosses else f"{whole:.0f}%"


def over_allocated(cells: pd.DataFrame) -> int:
    """Cells whose demand reaches the available hours (utilisation >= 100 %) or has none."""
    over = (cells["utilisation_pct"] >= 100) | (
        ~cells["has_capacity"].astype(bool) & (cells["demand_hours"] > 0)
    )
    return int(over.sum())


def row_label(frame: pd.DataFrame) -> pd.Series:
    """One label per heatmap row from whichever of role, team, resource_name are set."""
    parts = [frame[k].astype("string") for k in KEYS if k in frame and frame[k].notna().any()]
    if not parts:
        return pd.Series([""] * len(frame), index=frame.index, dtype="string")
    label = parts[0].fillna("")
    for p in parts[1:]:
        label = label + " · " + p.fillna("")
    return label


_FREQ = {"week": "W-MON", "month": "MS", "quarter": "QS"}


def every_period(period_start: pd.Series, grain: str) -> pd.Series:
    """Every period from the first to the last of `period_start` at `grain`, those no row
    has included: a month without demand or capacity is a column of its own, not left out."""
    days = pd.to_datetime(period_start).dropna()
    if days.empty:
        return pd.Series([], dtype="datetime64[ns]")
    every = pd.date_range(days.min(), days.max(), freq=_FREQ.get(grain, "QS"))
    return pd.Series(sorted(set(every).union(days)))


def period_label(period_start: pd.Series, grain: str) -> pd.Series:
    days = pd.to_datetime(period_start)
    if grain == "week":
        return days.dt.strftime("%d %b %y")
    if grain == "month":
        return days.dt.strftime("%b %Y")
    return days.dt.year.astype(str) + " Q" + days.dt.quarter.astype(str)


# --------------------------------------------------------------------------- exports


def _heatmap(store: Store, as_of: dt.date, grain: str | None, by: str) -> Any:
    """The Capacity page's heatmap data (epmo.pagedata.capacity) for every portfolio: the
    exports show what the page shows."""
    from epmo.pagedata import Filters
    from epmo.pagedata import capacity as pages

    con = store.connect()
    try:
        return pages.heatmap(con, Filters(as_of), pages.View(grain=grain or "month", by=by))
    finally:
        con.close()


def _drop_unused_keys(frame: pd.DataFrame, by: str) -> pd.DataFrame:
    keep = {"role": ("role",), "team": ("team",), "role_team": ("role", "team"), "person": KEYS}[by]
    return frame.drop(columns=[k for k in KEYS if k not in keep])


def export_utilisation(
    store: Store, as_of: dt.date, grain: str | None = None, by: str | None = None
) -> pd.DataFrame:
    """View capacity_utilisation: one row per period and row of the heatmap."""
    by = by or "role"
    frame = _heatmap(store, as_of, grain, by).cells
    cols = [
        "period_start",
        *KEYS,
        "demand_hours",
        "tentative_hours",
        "capacity_hours",
        "utilisation_pct",
        "band",
    ]
    return _drop_unused_keys(frame[cols], by)


def export_shortage(
    store: Store, as_of: dt.date, grain: str | None = None, by: str | None = None
) -> pd.DataFrame:
    """View capacity_shortage: hours and FTE short (or spare, negative) per row and period."""
    by = by or "role"
    frame = _heatmap(store, as_of, grain, by).shortage
    cols = ["period_start", *KEYS, "shortage_hours", "shortage_fte", "top_projects"]
    return _drop_unused_keys(frame[cols], by)
