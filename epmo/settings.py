"""Settings: defaults in settings.toml beside this file, overridable by EPMO_SETTINGS."""

from __future__ import annotations

import os
import tomllib
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


def get(section: str, key: str) -> Any:
    return settings()[section][key]


def health_rules() -> dict[str, Any]:
    """The [health] section as one row, checked; SQL reads it as the health_rules table."""
    from epmo import contract

    rules = dict(settings()["health"])
    # the agile RAG judges a work-item forecast's date at this percentile ([flow])
    rules["rag_percentile"] = int(settings()["flow"]["rag_percentile"])
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
