"""Decks: an ordered list of views (slides), parsed, saved by name and versioned."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from epmo import access, capacity, settings
from epmo.priority import models
from epmo.steering.freeze import DECK_KIND, SteeringError
from epmo.store import Store

VIEWS: dict[str, str] = {
    "home": "Portfolio overview",
    "health": "Portfolio health",
    "changes": "What changed",
    "capacity": "Capacity",
    "ranking": "Project ranking",
    "project": "Project",
    "decisions": "Decisions",
    "flow": "Agile flow",
}
VIEW_OPTIONS: dict[str, tuple[str, ...]] = {
    "capacity": ("grain", "by"),
    "ranking": ("model",),
    "project": ("project_id",),
}


@dataclass(frozen=True)
class SlideSpec:
    view: str
    options: dict[str, str] = field(default_factory=dict)

    def label(self) -> str:
        extra = ", ".join(f"{v}" for v in self.options.values() if v)
        return VIEWS[self.view] + (f" · {extra}" if extra else "")

    def to_dict(self) -> dict[str, Any]:
        return {"view": self.view} | {k: v for k, v in self.options.items() if v}


@dataclass(frozen=True)
class Deck:
    name: str
    slides: tuple[SlideSpec, ...]
    portfolios: tuple[str, ...] = ()
    programmes: tuple[str, ...] = ()
    version: int = 0  # 0: the built-in deck

    def to_json(self) -> str:
        return json.dumps(
            {
                "slides": [s.to_dict() for s in self.slides],
                "portfolios": list(self.portfolios),
                "programmes": list(self.programmes),
            },
            sort_keys=True,
        )

    @property
    def scope(self) -> dict[str, list[str]]:
        return {"portfolios": list(self.portfolios), "programmes": list(self.programmes)}


def parse_slide(item: Any, n: int) -> SlideSpec:
    if isinstance(item, str):
        item = {"view": item}
    if not isinstance(item, dict) or "view" not in item:
        raise SteeringError(f'slide {n}: give a view, e.g. {{"view": "health"}}')
    view = str(item["view"]).strip()
    if view not in VIEWS:
        raise SteeringError(f"slide {n}: unknown view {view!r}; choose one of: {', '.join(VIEWS)}")
    allowed = VIEW_OPTIONS.get(view, ())
    extra = sorted(set(item) - {"view", *allowed})
    if extra:
        raise SteeringError(
            f"slide {n} ({view}): unknown option(s) {', '.join(extra)}"
            + (f"; it takes: {', '.join(allowed)}" if allowed else "; it takes none")
        )
    options = {k: str(item[k]).strip() for k in allowed if item.get(k) not in (None, "")}
    if view == "capacity":
        if options.get("grain", "month") not in capacity.GRAINS:
            raise SteeringError(f"slide {n}: grain must be one of {', '.join(capacity.GRAINS)}")
        if options.get("by", "role") not in capacity.BYS:
            raise SteeringError(f"slide {n}: by must be one of {', '.join(capacity.BYS)}")
    return SlideSpec(view, options)


def parse_deck(name: str, spec: Any, version: int = 0) -> Deck:
    """A deck from its spec (a dict or JSON text); SteeringError says what is wrong."""
    name = str(name).strip()
    if not name:
        raise SteeringError("a deck needs a name")
    if isinstance(spec, str):
        try:
            spec = json.loads(spec)
        except json.JSONDecodeError as exc:
            raise SteeringError(f"deck {name!r}: not valid JSON ({exc.msg}, line {exc.lineno})") from None
    if isinstance(spec, list):
        spec = {"slides": spec}
    if not isinstance(spec, dict) or not isinstance(spec.get("slides"), list):
        raise SteeringError(f"deck {name!r}: give a list of slides")
    slides = tuple(parse_slide(item, i) for i, item in enumerate(spec["slides"], 1))
    if not slides:
        raise SteeringError(f"deck {name!r} has no slides")
    limit = settings.current().steering.max_slides
    if len(slides) > limit:
        raise SteeringError(f"deck {name!r} has {len(slides)} slides; at most {limit}")
    scope = {}
    for key in ("portfolios", "programmes"):
        value = spec.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise SteeringError(f"deck {name!r}: {key} must be a list of names")
        scope[key] = tuple(v for v in value if v.strip())
    return Deck(name, slides, scope["portfolios"], scope["programmes"], version)


def default_deck() -> Deck:
    """The built-in deck: works on any store (its project slide is the week's biggest mover)."""
    return parse_deck(
        settings.current().steering.default_deck,
        {
            "slides": [
                "home",
                "health",
                "changes",
                {"view": "capacity", "grain": "month", "by": "role"},
                {"view": "ranking", "model": models.DEFAULT_MODEL},
                "project",
                "decisions",
                "flow",
            ]
        },
    )


def deck_names(store: Store) -> list[str]:
    return [default_deck().name, *[r["name"] for r in store.documents(DECK_KIND)]]


def load_deck(store: Store, name: str) -> Deck:
    if name == default_deck().name:
        return default_deck()
    doc = store.document(DECK_KIND, name)
    if doc is None:
        raise SteeringError(f"no deck named {name!r}; decks: {', '.join(deck_names(store))}")
    return parse_deck(name, doc["spec"], int(doc["version"]))


def save_deck(store: Store, deck: Deck, identity: access.Identity) -> None:
    """Save a new version of a deck as `identity` (access.MATRIX["deck"], checked by
    access.save_document)."""
    if deck.name == default_deck().name:
        raise SteeringError(f"{deck.name!r} is the built-in deck; save yours under another name")
    parse_deck(deck.name, deck.to_json())  # only valid decks are stored
    access.save_document(store, identity, DECK_KIND, deck.name, deck.to_json())


# --------------------------------------------------------------------------- slides
