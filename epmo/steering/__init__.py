"""Steering committee: frozen snapshots, decks of slides, and the decision log.

A deck is an ordered list of views (home, health, what changed, capacity, ranking, chosen
projects, decisions) saved by name (documents kind "deck"). Each slide is built by one
function here from a DuckDB connection and the as-of week, with the same named queries and
chart builders as the pages, so a slide shows the pages' numbers; the steering pack
(epmo/pack.py) renders the same Slide objects to PowerPoint and HTML.

Frozen snapshot: when a deck starts, the store is pinned by its *ledger cutoff* (the latest
commit stamp in the store). A frozen connection reads the live Parquet files but only the
ledger events and documents committed at or before the cutoff. Data tables are append-only
and every view joins through the ledger, so uploads (and retractions) arriving during the
meeting are invisible, and compaction or vacuum, which rewrite files but never rows, cannot
break a frozen deck (a pinned Parquet file list could vanish after
`[store] vacuum_retention_hours`).

Decisions are documents of kind "decision", one name per decision; an edit saves a new
version, so nothing is ever lost. Each records the snapshot it was based on.
"""

from __future__ import annotations

from epmo.pagedata.portfolio import decided_by
from epmo.steering.decisions import (
    Decision,
    decision_history,
    decisions,
    decisions_view,
    save_decision,
    validate_decision,
)
from epmo.steering.decks import (
    VIEW_OPTIONS,
    VIEWS,
    Deck,
    SlideSpec,
    deck_names,
    default_deck,
    load_deck,
    parse_deck,
    parse_slide,
    save_deck,
)
from epmo.steering.freeze import (
    DECISION_KIND,
    DECK_KIND,
    EPOCH,
    Freeze,
    SteeringError,
    connect_frozen,
    freeze,
    ledger_cutoff,
)
from epmo.steering.slides import (
    BUILDERS,
    WORDY_CELL,
    Chart,
    Metric,
    Slide,
    Table,
    build_slide,
    display,
    freshness,
    freshness_text,
)

__all__ = [
    "BUILDERS",
    "DECISION_KIND",
    "DECK_KIND",
    "EPOCH",
    "VIEWS",
    "VIEW_OPTIONS",
    "WORDY_CELL",
    "Chart",
    "Decision",
    "Deck",
    "Freeze",
    "Metric",
    "Slide",
    "SlideSpec",
    "SteeringError",
    "Table",
    "build_slide",
    "connect_frozen",
    "decided_by",
    "decision_history",
    "decisions",
    "decisions_view",
    "deck_names",
    "default_deck",
    "display",
    "freeze",
    "freshness",
    "ledger_cutoff",
    "freshness_text",
    "load_deck",
    "parse_deck",
    "parse_slide",
    "save_deck",
    "save_decision",
    "validate_decision",
]
