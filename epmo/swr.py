"""Stale-while-revalidate for what a replica builds per store snapshot (its store connection).

After an upload every replica must build a new store connection (views, memo tables) and
its pages' data for the new table versions: 1-3 s on loopback S3. Built on demand, every
session asking during that time waited for it (the load test's p95 of 4-11 s with an upload
every 5 s). `Rebuilds` builds a new snapshot's value once, in one background thread, and
meanwhile serves the newest value already built (the caller shows that it is older), with
two bounds:

- a snapshot first asked for more than `stale_seconds` ago is never served stale: callers
  then wait for its build (or build it), so what is committed anywhere is on every
  replica's pages within refresh_seconds (the snapshot reuse, epmo/store.py) plus
  stale_seconds at most;
- `get(snap)` is always that exact snapshot's value (built here when no one is building
  it): for a session that wrote (it reads its own write) and for anyone who asks for a
  version explicitly.

Exactly one build per snapshot at a time (concurrent callers wait for the one in flight);
a failed build is not remembered as a value: the older value is still served, the next
caller after `retry_seconds` tries again, and a caller waiting for that build gets its
error. No streamlit here (app_pages/_shared.py uses it; tests/unit/test_swr.py).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from epmo.store import Snapshot

V = TypeVar("V")
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Served(Generic[V]):
    """What a caller is served: `snap` and its value; `newer` is the snapshot being built
    meanwhile (None: `snap` is the newest this process has seen)."""

    snap: Snapshot
    value: V
    read_at: dt.datetime  # when the served snapshot's build started: its data as read then (UTC)
    newer: Snapshot | None = None

    @property
    def stale(self) -> bool:
        return self.newer is not None


@dataclass
class _Flight:
    done: bool = False
    error: BaseException | None = None


@dataclass
class _Entry(Generic[V]):
    snap: Snapshot
    value: V
    read_at: dt.datetime
    seq: int  # order of completion: the highest ready one is the newest
    ready: bool  # warmed (or built by a caller who needed it): may be served to others


def versions_at_least(snap: Snapshot, floor: dict[str, int]) -> bool:
    """True when every table of `floor` is at that version or later in `snap`."""
    have = dict(snap.versions)
    return all(have.get(name, -1) >= version for name, version in floor.items())


class Rebuilds(Generic[V]):
    """Values built per snapshot key, the newest ready one served while a newer one builds."""

    def __init__(
        self,
        build: Callable[[Snapshot], V],
        warm: Callable[[Snapshot, V], None] | None = None,
        *,
        keep: int = 4,
        stale_seconds: float = 10.0,
        retry_seconds: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        self._build = build
        self._warm = warm
        self._keep = max(1, keep)
        self.stale_seconds = stale_seconds
        self._retry_seconds = retry_seconds
        self._clock = clock
        self._cond = threading.Condition()
        self._entries: OrderedDict[str, _Entry[V]] = OrderedDict()
        self._flights: dict[str, _Flight] = {}
        self._first_asked: dict[str, float] = {}
        self._failed_at: dict[str, float] = {}
        self._seq = 0
        self._background: threading.Thread | None = None
        self.builds = 0  # builds started (tests count them)
        self.failures = 0

    # ------------------------------------------------------------------ exact

    def get(self, snap: Snapshot) -> V:
        """`snap`'s own value: built now in this thread unless it is built or being built
        (then this waits for that one build and gets its value or its error)."""
        key = snap.key
        with self._cond:
            while True:
                entry = self._entries.get(key)
                if entry is not None:
                    self._entries.move_to_end(key)
                    return entry.value
                flight = self._flights.get(key)
                if flight is None:
                    flight = self._start(key)
                    break
                while not flight.done:
                    self._cond.wait()
                if flight.error is not None and key not in self._entries:
                    raise flight.error
        value = self._run(snap, flight, ready=True)
        return value

    def is_ready(self, snap: Snapshot) -> bool:
        with self._cond:
            entry = self._entries.get(snap.key)
            return entry is not None and entry.ready

    # ------------------------------------------------------------------ served

    def serve(self, snap: Snapshot) -> Served[V]:
        """`snap`'s value when it is ready; else the newest ready value, with `snap` built
        meanwhile in one background thread; `snap` itself (waiting for it) when nothing is
        ready yet or `snap` was first asked for more than stale_seconds ago."""
        key = snap.key
        now = self._clock()
        with self._cond:
            entry = self._entries.get(key)
            if entry is not None and entry.ready:
                self._entries.move_to_end(key)
                return Served(entry.snap, entry.value, entry.read_at)
            first = self._first_asked.setdefault(key, now)
            self._prune_asked()
            # only a snapshot of the same view of the store (its scope and whose own projects):
            # never another identity's rows, even for the seconds a build takes
            newest = max(
                (e for e in self._entries.values() if e.ready and e.snap.view == snap.view),
                key=lambda e: e.seq,
                default=None,
            )
            if newest is not None and now - first < self.stale_seconds:
                self._maybe_start_background(snap, now)
                return Served(newest.snap, newest.value, newest.read_at, newer=snap)
        value = self.get(snap)
        with self._cond:
            entry = self._entries.get(key)
            read_at = entry.read_at if entry is not None else _utcnow()
            if entry is not None and not entry.ready:
                entry.ready = True  # waited for by a caller past the bound: serve it, warm or not
        return Served(snap, value, read_at)

    def _maybe_start_background(self, snap: Snapshot, now: float) -> None:
        """(under the lock) One background build at a time, none for a key being built,
        none sooner than retry_seconds after that key's build failed."""
        key = snap.key
        if key in self._flights or key in self._entries:
            return
        if self._background is not None and self._background.is_alive():
            return  # an older snapshot's build: the next caller after it starts this one
        failed = self._failed_at.get(key)
        if failed is not None and now - failed < self._retry_seconds:
            return
        flight = self._start(key)
        thread = threading.Thread(
            target=self._background_build, args=(snap, flight), name="epmo-rebuild", daemon=True
        )
        self._background = thread
        thread.start()

    def _background_build(self, snap: Snapshot, flight: _Flight) -> None:
        try:
            value = self._run(snap, flight, ready=self._warm is None, background=True)
        except BaseException:  # noqa: BLE001  logged, counted; the older value stays served
            log.exception("building the store connection for %s failed; the previous one is served", snap.key)
            return
        if self._warm is not None:
            try:
                self._warm(snap, value)
            except Exception:  # noqa: BLE001  warming is an optimisation: the value is still good
                log.exception("warming the page data for %s failed", snap.key)
            with self._cond:
                entry = self._entries.get(snap.key)
                if entry is not None:
                    entry.ready = True
                self._cond.notify_all()

    # ------------------------------------------------------------------ building

    def _start(self, key: str) -> _Flight:
        """(under the lock)"""
        flight = _Flight()
        self._flights[key] = flight
        self.builds += 1
        return flight

    def _run(self, snap: Snapshot, flight: _Flight, ready: bool, background: bool = False) -> V:
        key = snap.key
        started = _utcnow()
        try:
            value = self._build(snap)
        except BaseException as exc:
            with self._cond:
                flight.done, flight.error = True, exc
                self._flights.pop(key, None)
                self._failed_at[key] = self._clock()
                self.failures += 1
                if background:  # the thread only logs now: the next caller may start a build
                    self._background = None
                self._cond.notify_all()
            raise
        with self._cond:
            self._seq += 1
            self._entries[key] = _Entry(snap, value, started, self._seq, ready)
            self._entries.move_to_end(key)
            self._failed_at.pop(key, None)
            while len(self._entries) > self._keep:
                self._entries.popitem(last=False)  # the least recently used (a holder keeps using it)
            flight.done = True
            self._flights.pop(key, None)
            self._cond.notify_all()
        return value

    def _prune_asked(self) -> None:
        """(under the lock) Forget when old keys were first asked for."""
        if len(self._first_asked) > 64:
            live = set(self._entries) | set(self._flights)
            for key in list(self._first_asked)[: len(self._first_asked) - 32]:
                if key not in live:
                    del self._first_asked[key]
            for key in list(self._failed_at):
                if key not in self._first_asked:
                    del self._failed_at[key]


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
