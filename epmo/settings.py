"""Settings: defaults in settings.toml beside this file, overridable by EPMO_SETTINGS."""

from __future__ import annotations

import os
import tomllib
import typing
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

DEFAULTS = Path(__file__).with_name("settings.toml")


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


@lru_cache(maxsize=1)
def settings() -> dict[str, Any]:
    with DEFAULTS.open("rb") as fh:
        data = tomllib.load(fh)
    override = os.environ.get("EPMO_SETTINGS")
    if override:
        with open(override, "rb") as fh:
            data = _merge(data, tomllib.load(fh))
    return data


# --------------------------------------------------------------------------- typed settings
# One frozen dataclass per section of settings.toml; current() loads, checks and converts
# them once per settings() load (EPMO_SETTINGS overrides included), so code reads
# `current().health.slip_red_days` (an int), never a string look-up such as
# `int(settings()["health"]["slip_red_days"])` (tests/unit/test_settings.py checks).


@dataclass(frozen=True)
class StoreSettings:
    """[store] of settings.toml."""

    default_uri: str
    compact_after_files: int
    checkpoint_after_commits: int
    vacuum_retention_hours: int
    lease_seconds: int
    maintain_after_commit: bool
    retract_attempts: int


@dataclass(frozen=True)
class ObjectstoreSettings:
    """[objectstore] of settings.toml."""

    s3_endpoint: str
    s3_region: str
    s3_conditional_put: str
    s3_virtual_hosted: bool
    refresh_seconds: int
    stale_seconds: int


@dataclass(frozen=True)
class LimitsSettings:
    """[limits] of settings.toml."""

    max_file_mb: int
    max_uncompressed_mb: int
    max_compression_ratio: int
    max_zip_members: int
    max_rows: int
    max_report_issues: int
    max_text_chars: int
    max_cells: int
    max_columns: int
    max_sheet_text_mb: float
    parse_memory_mb: int
    parse_cpu_seconds: int
    parse_prestart: bool
    parse_fork_server: bool


@dataclass(frozen=True)
class IngestSettings:
    """[ingest] of settings.toml."""

    date_order: str
    actual_cost_over_budget_ratio: float
    forecast_end_jump_days: int
    reporting_weekday: int
    max_as_of_days_ahead: int
    earliest_as_of: str


@dataclass(frozen=True)
class ThemeSettings:
    """[theme] of settings.toml."""

    red: str
    amber: str
    green: str
    grey: str
    blue: str


@dataclass(frozen=True)
class HealthSettings:
    """[health] of settings.toml."""

    cpi_amber_below: float
    cpi_red_below: float
    spi_amber_below: float
    spi_red_below: float
    slip_amber_days: int
    slip_red_days: int
    overdue_risk_score: int
    primary_eac: str
    late_after_days: int
    unchanged_weeks: int
    expected_fields: tuple[str, ...]
    active_stages: tuple[str, ...]


@dataclass(frozen=True)
class PrioritySettings:
    """[priority] of settings.toml."""

    excluded_stages: tuple[str, ...]
    current_stages: tuple[str, ...]
    should_top_pct: int
    could_top_pct: int
    sensitivity_runs: int
    sensitivity_pct: int
    sensitivity_seed: int
    ahp_max_consistency_ratio: float
    frontier_steps: int
    frontier_workers: int
    frontier_prestart: bool
    frontier_workers_min_projects: int
    frontier_redraws: int
    capacity_horizon_months: int
    solver_time_limit_s: int
    tie_break_time_limit_s: int
    binding_tolerance_pct: float
    selected_colour: str
    unselected_colour: str
    current_colour: str


@dataclass(frozen=True)
class CapacitySettings:
    """[capacity] of settings.toml."""

    band_limits_pct: tuple[int, ...]
    band_names: tuple[str, ...]
    band_colours: tuple[str, ...]
    no_capacity_band: str
    no_capacity_colour: str
    fte_hours_per_week: float
    horizon_months: int
    top_projects: int


@dataclass(frozen=True)
class ExplorerSettings:
    """[explorer] of settings.toml."""

    time_limit_seconds: int
    row_cap: int
    result_mb: float
    memory_limit: str
    threads: int
    address_space_limit: str
    start_limit_seconds: int
    warm_workers: int
    max_workers: int
    worker_queries: int
    worker_rss_mb: int
    chart_max_groups: int


@dataclass(frozen=True)
class SteeringSettings:
    """[steering] of settings.toml."""

    present_red: str
    present_amber: str
    present_green: str
    present_grey: str
    present_blue: str
    present_text: str
    present_font_size: int
    present_chart_height: int
    slide_table_rows: int
    default_deck: str
    max_slides: int
    open_statuses: tuple[str, ...]
    decision_statuses: tuple[str, ...]


@dataclass(frozen=True)
class FlowSettings:
    """[flow] of settings.toml."""

    window_days: int
    runs: int
    seed: int
    percentiles: tuple[int, ...]
    rag_percentile: int
    horizon_days: int


@dataclass(frozen=True)
class AuthSettings:
    """[auth] of settings.toml: the sign-in mode, and group names to roles and portfolios."""

    mode: str
    provider: str
    groups_claim: str
    group_roles: dict[str, str]
    group_portfolios: dict[str, tuple[str, ...]]


@dataclass(frozen=True)
class Settings:
    """Every setting, typed and frozen: `epmo.settings.current().health.slip_red_days`."""

    store: StoreSettings
    objectstore: ObjectstoreSettings
    limits: LimitsSettings
    ingest: IngestSettings
    theme: ThemeSettings
    health: HealthSettings
    priority: PrioritySettings
    capacity: CapacitySettings
    explorer: ExplorerSettings
    steering: SteeringSettings
    flow: FlowSettings
    auth: AuthSettings


def _convert(where: str, kind: Any, value: Any) -> Any:
    origin = typing.get_origin(kind)
    if origin is dict:  # a table of names to values, e.g. [auth.group_roles]
        if not isinstance(value, dict):
            raise ValueError(f"setting {where} must be a table, not {value!r}")
        inner = typing.get_args(kind)[1]
        return {str(k): _convert(f"{where}.{k}", inner, v) for k, v in value.items()}
    if origin is tuple:
        if not isinstance(value, list | tuple):
            raise ValueError(f"setting {where} must be a list, not {value!r}")
        inner = typing.get_args(kind)[0]
        return tuple(_convert(f"{where}[{i}]", inner, v) for i, v in enumerate(value))
    if kind is bool:
        if not isinstance(value, bool):
            raise ValueError(f"setting {where} must be true or false, not {value!r}")
        return value
    if kind is int:
        if isinstance(value, bool) or not isinstance(value, int | float) or int(value) != value:
            raise ValueError(f"setting {where} must be a whole number, not {value!r}")
        return int(value)
    if kind is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"setting {where} must be a number, not {value!r}")
        return float(value)
    if not isinstance(value, str):
        raise ValueError(f"setting {where} must be text, not {value!r}")
    return value


def _section(cls: type, name: str, data: dict[str, Any], known: dict[str, Any]) -> Any:
    hints = typing.get_type_hints(cls)
    unknown = sorted(set(data) - set(hints) - set(known))
    if unknown:
        raise ValueError(f"unknown setting(s) in [{name}]: {', '.join(unknown)}")
    missing = sorted(set(hints) - set(data))
    if missing:
        raise ValueError(f"missing setting(s) in [{name}]: {', '.join(missing)}")
    return cls(**{k: _convert(f"{name}.{k}", hints[k], data[k]) for k in hints})


_TYPED: list[tuple[dict[str, Any], Settings]] = []


def load(data: dict[str, Any], known: dict[str, Any] | None = None) -> Settings:
    """Typed, checked settings from a settings dict (as settings() reads it). A key of
    `known` (the defaults file) without a field yet is passed over (a test holds the file
    and the fields together); any other unknown key, a typo in an override, is refused."""
    known = known or {}
    hints = typing.get_type_hints(Settings)
    unknown = sorted(set(data) - set(hints) - set(known))
    if unknown:
        raise ValueError(f"unknown settings section(s): {', '.join(unknown)}")
    return Settings(
        **{name: _section(cls, name, data.get(name, {}), known.get(name, {})) for name, cls in hints.items()}
    )


@lru_cache(maxsize=1)
def _defaults() -> dict[str, Any]:
    with DEFAULTS.open("rb") as fh:
        return tomllib.load(fh)


def current() -> Settings:
    """The typed settings, loaded once per settings() load (settings.cache_clear() reloads)."""
    data = settings()
    if not _TYPED or _TYPED[0][0] is not data:
        _TYPED[:] = [(data, load(data, _defaults()))]
    return _TYPED[0][1]


def health_rules() -> dict[str, Any]:
    """The [health] section as one row, checked; SQL reads it as the health_rules table."""
    from epmo import contract

    rules = dict(settings()["health"])
    # the agile RAG judges a work-item forecast's date at this percentile ([flow])
    rules["rag_percentile"] = int(settings()["flow"]["rag_percentile"])
    # ...and a backlog with no such date: finished nothing in the window, or not within the horizon
    rules["flow_window_days"] = int(settings()["flow"]["window_days"])
    rules["flow_horizon_days"] = int(settings()["flow"]["horizon_days"])
    for key in ("cpi_amber_below", "cpi_red_below", "spi_amber_below", "spi_red_below"):
        rules[key] = float(rules[key])
    for key in (
        "slip_amber_days",
        "slip_red_days",
        "overdue_risk_score",
        "late_after_days",
        "unchanged_weeks",
    ):
        rules[key] = int(rules[key])
    if rules["primary_eac"] not in ("pm", "cpi", "atypical", "cpi_spi"):
        raise ValueError(
            f"health.primary_eac must be pm, cpi, atypical or cpi_spi, not {rules['primary_eac']!r}"
        )
    known = set(contract.table("projects").column_names)
    unknown = [f for f in rules["expected_fields"] if f not in known]
    if unknown:
        raise ValueError(f"health.expected_fields: not columns of projects: {', '.join(unknown)}")
    stages = set(contract.table("projects").column("stage").allowed)
    wrong = [s for s in rules["active_stages"] if s not in stages]
    if wrong:
        raise ValueError(f"health.active_stages: not stages: {', '.join(wrong)}")
    return rules
