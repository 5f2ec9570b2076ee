"""Frozen snapshots: a deck pins the store by its ledger cutoff for the whole meeting."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import duckdb

from epmo import clock, sql
from epmo import pagedata as pages
from epmo.store import Snapshot, Store, now_utc

DECK_KIND = pages.steering.DECK_KIND
DECISION_KIND = "decision"
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


class SteeringError(ValueError):
    """Input a user can fix (a bad deck, decision or snapshot): the message says how."""


# --------------------------------------------------------------------------- frozen snapshot


@dataclass(frozen=True)
class Freeze:
    """A pinned view of the store for a meeting: the as-of week and the ledger cutoff."""

    as_of: dt.date
    cutoff_at: dt.datetime  # ledger events and documents stamped at or before this are in
    frozen_at: dt.datetime  # wall clock when the deck started
    snapshot_key: str  # the store's snapshot key at that moment (versions of every table)

    @property
    def key(self) -> str:
        # a portfolio-scoped freeze (epmo/access.py) is another cache entry than the whole one
        scope = self.snapshot_key.partition("|scope=")[2]
        return f"{self.as_of.isoformat()}|{self.cutoff_at.isoformat()}" + (f"|{scope}" if scope else "")

    @property
    def table_versions(self) -> str:
        """The snapshot key without the store's location (tables and their versions): what a
        decision or a pack records of its snapshot, read by everyone who may see it."""
        return self.snapshot_key.split("|", 1)[1] if "|" in self.snapshot_key else self.snapshot_key

    def decisions_until(self, live: bool = True) -> dt.date:
        """The day the decisions a deck or pack shows run up to: the day it was frozen (a pack
        rebuilt later keeps its meeting's decisions), or today when later and the deck is
        live (a decision just recorded in a deck reopened the next day is on its slide)."""
        day = self.frozen_at.astimezone(dt.UTC).date()
        return max(day, clock.today()) if live else day

    def caption(self) -> str:
        week = self.as_of.isocalendar()
        return (
            f"As of week {week.week} ({self.as_of:%d %b %Y}) · data frozen at "
            f"{self.frozen_at.astimezone(dt.UTC):%d %b %Y %H:%M} UTC"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "cutoff_at": self.cutoff_at.isoformat(),
            "frozen_at": self.frozen_at.isoformat(),
            "snapshot_key": self.snapshot_key,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Freeze:
        return cls(
            dt.date.fromisoformat(data["as_of"]),
            dt.datetime.fromisoformat(data["cutoff_at"]),
            dt.datetime.fromisoformat(data["frozen_at"]),
            str(data.get("snapshot_key", "")),
        )


def freeze(
    store: Store,
    as_of: dt.date,
    cutoff_at: dt.datetime | None = None,
    live: tuple[Snapshot, duckdb.DuckDBPyConnection] | None = None,
    frozen_at: dt.datetime | None = None,
) -> Freeze:
    """Pin the store now (or at an earlier cutoff, to rebuild what a meeting saw).

    `frozen_at`: the moment the caption names: default now; given a cutoff, the cutoff (the
    data's moment, not the rebuild's: `pack --frozen-at`), and a moment given with a cutoff
    (a deck's link carries both) lies between the cutoff and now, so no caption says data
    was frozen before its last commit or after the present.

    live: the current snapshot and an open connection over it (the app's shared one), to
    read the cutoff from; else a connection is built for it, which costs a whole store
    connection (views and memo tables: a second and a half at medium) per deck started."""
    snap = live[0] if live else store.snapshot()
    if cutoff_at is None and live is not None:
        cutoff_at = ledger_cutoff(live[1])
    elif cutoff_at is None:
        con = store.connect(snap)
        try:
            cutoff_at = ledger_cutoff(con)
        finally:
            con.close()
    else:
        if cutoff_at.tzinfo is None:
            cutoff_at = cutoff_at.replace(tzinfo=dt.UTC)
        if frozen_at is not None and frozen_at.tzinfo is None:
            frozen_at = frozen_at.replace(tzinfo=dt.UTC)
        frozen_at = min(max(frozen_at or cutoff_at, cutoff_at), now_utc())
    return Freeze(as_of, cutoff_at, frozen_at or now_utc(), snap.key)


def ledger_cutoff(con: duckdb.DuckDBPyConnection) -> dt.datetime:
    """The latest commit stamp a connection's snapshot holds (ledger events and saved
    documents): a freeze at or after it sees exactly what the live connection sees."""
    found = sql.arrow(con, "steering/ledger_cutoff").to_pylist()[0]["cutoff_at"]
    return found or EPOCH


def connect_frozen(store: Store, frozen: Freeze, threaded: bool = False) -> duckdb.DuckDBPyConnection:
    """A store connection that sees only what was committed at or before the cutoff.

    The live snapshot's files are read (so compaction and vacuum cannot break it); the
    ledger and the documents are cut at the cutoff before any view is derived from them
    (store.register_snapshot), and every view joins through the ledger. threaded: several
    threads query it at once (Store.connect).
    """
    return store.connect(store.snapshot(), cutoff_at=frozen.cutoff_at, threaded=threaded)


# --------------------------------------------------------------------------- decks
