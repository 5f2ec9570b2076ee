"""Colours and layout shared by every chart; values come from settings.toml."""

from __future__ import annotations

from typing import Any

from epmo.settings import get

RAG_ORDER = ("Red", "Amber", "Green")
RAG_COLOURS = {
    "Red": get("theme", "red"),
    "Amber": get("theme", "amber"),
    "Green": get("theme", "green"),
    "": get("theme", "grey"),
}


def base_layout() -> dict[str, Any]:
    return {
        "template": "plotly_white",
        "margin": {"l": 40, "r": 20, "t": 30, "b": 40},
        "height": 380,
        "font": {"size": 13},
        "legend": {"orientation": "h", "y": -0.15},
    }
