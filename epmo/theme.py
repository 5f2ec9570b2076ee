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


# Never colour alone: RAG also has a shape and a letter.
RAG_SYMBOLS = {"Red": "diamond", "Amber": "triangle-up", "Green": "circle", "": "square"}
RAG_LETTERS = {"Red": "R", "Amber": "A", "Green": "G", "": "–"}
# Dependencies and other statuses.
STATUS_COLOURS = {
    "late": RAG_COLOURS["Red"],
    "at risk": RAG_COLOURS["Amber"],
    "on track": RAG_COLOURS["Green"],
}
# Concern scale for grids (0 = all green, 1 = all red), via amber.
CONCERN_SCALE = [[0.0, RAG_COLOURS["Green"]], [0.5, RAG_COLOURS["Amber"]], [1.0, RAG_COLOURS["Red"]]]
LINE_COLOURS = {
    "planned": get("theme", "blue"),
    "actual": "#37474F",
    "forecast": "#8E24AA",
    "budget": get("theme", "grey"),
}
