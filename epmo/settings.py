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
