"""epmo.swr: after an upload the new snapshot's store connection is built once, in one
background thread, while callers are served the previous one (within a bound); an exact
read waits for (or makes) that one build; a failed build poisons nothing."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import pytest

from epmo import swr
from epmo.store import Snapshot


def snap(ledger: int, projects: int = 0) -> Snapshot:
    return Snapshot("mem://store", (("uploads", ledger), ("projects", projects)), {})


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


class Builder:
    """A build that counts its calls and, for the keys in `gates`, waits until released
    (the build in flight); `fail` makes a key's next build raise."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.gates: dict[str, threading.Event] = {}
        self.started: dict[str, threading.Event] = {}
        self.fail: set[str] = set()
        self._lock = threading.Lock()

    def gate(self, s: Snapshot) -> threading.Event:
        self.gates[s.key] = threading.Event()
        self.started[s.key] = threading.Event()
        return self.gates[s.key]

    def __call__(self, s: Snapshot) -> str:
        with self._lock:
            self.calls.append(s.key)
        if s.key in self.started:
            self.started[s.key].set()
        if s.key in self.gates:
            assert self.gates[s.key].wait(10), "the test never released the build"
        if s.key in self.fail:
            self.fail.discard(s.key)
            raise RuntimeError(f"object store unreachable building {s.key}")
        return "con:" + dict(s.versions)["uploads"].__str__()


def wait_until(cond: Callable[[], bool], seconds: float = 10.0) -> None:
    end = time.monotonic() + seconds
    while not cond():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.005)


def in_threads(n: int, fn: Callable[[], object]) -> list[object]:
    """Call fn from n threads released at once; their results (or exceptions)."""
    out: list[object] = [None] * n
    go = threading.Barrier(n)

    def run(i: int) -> None:
        go.wait()
        try:
            out[i] = fn()
        except Exception as exc:  # noqa: BLE001  returned for the test to look at
            out[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    return out


@pytest.fixture
def setup() -> tuple[swr.Rebuilds[str], Builder, Clock]:
    builder, clock = Builder(), Clock()
    rebuilds: swr.Rebuilds[str] = swr.Rebuilds(builder, stale_seconds=10, retry_seconds=1, clock=clock)
    return rebuilds, builder, clock


def test_the_first_snapshot_is_built_by_the_caller(setup) -> None:  # type: ignore[no-untyped-def]
    rebuilds, builder, _ = setup
    served = rebuilds.serve(snap(1))
    assert (served.snap, served.value, served.stale) == (snap(1), "con:1", False)
    assert rebuilds.serve(snap(1)).value == "con:1"
    assert builder.calls == [snap(1).key]


def test_the_previous_version_is_served_while_the_new_one_builds(setup) -> None:  # type: ignore[no-untyped-def]
    rebuilds, builder, _ = setup
    rebuilds.serve(snap(1))
    release = builder.gate(snap(2))
    served = rebuilds.serve(snap(2))  # returns at once: the build runs in the background
    assert served.stale and served.snap == snap(1) and served.value == "con:1" and served.newer == snap(2)
    assert builder.started[snap(2).key].wait(5)
    again = rebuilds.serve(snap(2))
    assert again.stale and again.value == "con:1"
    assert not rebuilds.is_ready(snap(2))
    release.set()
    wait_until(lambda: rebuilds.is_ready(snap(2)))
    served = rebuilds.serve(snap(2))
    assert (served.value, served.stale) == ("con:2", False)
    assert builder.calls.count(snap(2).key) == 1


def test_sessions_arriving_during_a_rebuild_cause_exactly_one_build(setup) -> None:  # type: ignore[no-untyped-def]
    rebuilds, builder, _ = setup
    rebuilds.serve(snap(1))
    release = builder.gate(snap(2))
    served = in_threads(12, lambda: rebuilds.serve(snap(2)))
    assert all(isinstance(s, swr.Served) and s.value == "con:1" and s.stale for s in served)
    # the uploader and a deck link ask for the exact version meanwhile: they wait for that build
    exact = []
    waiters = [threading.Thread(target=lambda: exact.append(rebuilds.get(snap(2)))) for _ in range(4)]
    for t in waiters:
        t.start()
    time.sleep(0.05)
    assert exact == []  # still building
    release.set()
    for t in waiters:
        t.join(10)
    assert exact == ["con:2"] * 4
    assert builder.calls.count(snap(2).key) == 1
    assert rebuilds.builds == 2


def test_exact_reads_without_a_build_in_flight_share_one_build(setup) -> None:  # type: ignore[no-untyped-def]
    rebuilds, builder, _ = setup
    results = in_threads(8, lambda: rebuilds.get(snap(5)))
    assert results == ["con:5"] * 8
    assert builder.calls == [snap(5).key]


def test_past_the_staleness_bound_callers_wait_for_the_build_in_flight(setup) -> None:  # type: ignore[no-untyped-def]
    rebuilds, builder, clock = setup
    rebuilds.serve(snap(1))
    release = builder.gate(snap(2))
    assert rebuilds.serve(snap(2)).stale  # first asked at t
    clock.t += 9.9  # within the bound: still served stale
    assert rebuilds.serve(snap(2)).stale
    clock.t += 0.1  # at it: served only the new version, waiting for the one build
    threading.Timer(0.1, release.set).start()
    results = in_threads(6, lambda: rebuilds.serve(snap(2)))
    assert all(isinstance(r, swr.Served) and (r.value, r.stale) == ("con:2", False) for r in results)
    assert builder.calls.count(snap(2).key) == 1


class _SlowLog(logging.Handler):
    """Holds the failed build's thread in its log call until released (a loaded machine)."""

    def __init__(self) -> None:
        super().__init__()
        self.go = threading.Event()

    def emit(self, record: logging.LogRecord) -> None:
        self.go.wait(10)


def test_a_failed_rebuild_does_not_poison_the_cache(setup) -> None:  # type: ignore[no-untyped-def]
    rebuilds, builder, clock = setup
    slow = _SlowLog()
    logging.getLogger("epmo.swr").addHandler(slow)
    try:
        rebuilds.serve(snap(1))
        builder.fail.add(snap(2).key)
        assert rebuilds.serve(snap(2)).value == "con:1"  # starts the build that fails
        wait_until(lambda: rebuilds.failures == 1)
        # the previous version is still served, and no retry within retry_seconds
        assert rebuilds.serve(snap(2)).value == "con:1"
        assert builder.calls.count(snap(2).key) == 1
        clock.t += 1.5
        # the failed build's thread is still logging: a second build starts all the same
        assert rebuilds.serve(snap(2)).value == "con:1"
        wait_until(lambda: rebuilds.is_ready(snap(2)))
    finally:
        slow.go.set()
        logging.getLogger("epmo.swr").removeHandler(slow)
    assert rebuilds.serve(snap(2)).value == "con:2"
    assert builder.calls.count(snap(2).key) == 2


def test_a_caller_waiting_for_a_failed_build_gets_its_error_then_a_retry_succeeds(setup) -> None:  # type: ignore[no-untyped-def]
    rebuilds, builder, _ = setup
    rebuilds.serve(snap(1))
    release = builder.gate(snap(2))
    builder.fail.add(snap(2).key)
    rebuilds.serve(snap(2))
    assert builder.started[snap(2).key].wait(5)
    threading.Timer(0.05, release.set).start()
    with pytest.raises(RuntimeError, match="object store unreachable"):
        rebuilds.get(snap(2))
    assert rebuilds.get(snap(2)) == "con:2"  # not remembered as a failure: built again
    assert rebuilds.serve(snap(1)).value == "con:1"


def test_the_new_version_is_served_only_once_warm_but_an_exact_read_does_not_wait_for_warming() -> None:
    builder = Builder()
    warming = threading.Event()
    warmed: list[str] = []

    def warm(s: Snapshot, value: str) -> None:
        assert warming.wait(5)
        warmed.append(value)

    rebuilds: swr.Rebuilds[str] = swr.Rebuilds(builder, warm, stale_seconds=10)
    rebuilds.serve(snap(1))  # built by the caller: served at once, no warming
    assert rebuilds.serve(snap(2)).stale
    wait_until(lambda: snap(2).key in builder.calls)
    assert rebuilds.get(snap(2)) == "con:2"  # the uploader reads its write while others' pages warm
    assert rebuilds.serve(snap(2)).value == "con:1"
    warming.set()
    wait_until(lambda: rebuilds.is_ready(snap(2)))
    assert warmed == ["con:2"]
    assert rebuilds.serve(snap(2)).value == "con:2"


def test_a_failed_warm_still_serves_the_new_version() -> None:
    def warm(s: Snapshot, value: str) -> None:
        raise ValueError("a page's data raised")

    rebuilds: swr.Rebuilds[str] = swr.Rebuilds(Builder(), warm, stale_seconds=10)
    rebuilds.serve(snap(1))
    rebuilds.serve(snap(2))
    wait_until(lambda: rebuilds.is_ready(snap(2)))
    assert rebuilds.serve(snap(2)).value == "con:2"


def test_a_zero_bound_never_serves_older_data() -> None:
    builder = Builder()
    clock = Clock()
    rebuilds: swr.Rebuilds[str] = swr.Rebuilds(builder, stale_seconds=0, clock=clock)
    rebuilds.serve(snap(1))
    clock.t += 0.001
    served = rebuilds.serve(snap(2))
    assert (served.value, served.stale) == ("con:2", False)


def test_only_the_last_few_values_are_kept() -> None:
    builder = Builder()
    rebuilds: swr.Rebuilds[str] = swr.Rebuilds(builder, keep=2)
    for n in (1, 2, 3):
        rebuilds.get(snap(n))
    rebuilds.get(snap(1))  # evicted: built again
    assert builder.calls.count(snap(1).key) == 2


@pytest.mark.parametrize(
    ("floor", "expected"),
    [
        ({}, True),
        ({"uploads": 3}, True),
        ({"uploads": 4}, False),
        ({"uploads": 3, "projects": 7}, True),
        ({"uploads": 2, "projects": 8}, False),
        ({"documents": 0}, False),  # a table the snapshot does not hold
    ],
)
def test_versions_at_least(floor: dict[str, int], expected: bool) -> None:
    assert swr.versions_at_least(snap(3, 7), floor) is expected


@pytest.mark.parametrize(
    ("first", "then"),
    [
        ((("A",), "x@e.org"), (("A",), "y@e.org")),  # two pms of one portfolio, each with own projects
        ((("A",), "x@e.org"), (("A",), None)),  # a pm's view, then an analyst's of the portfolio
        ((("A",), None), (("A",), "x@e.org")),
        ((("A",), None), (("B",), None)),  # two portfolios
        ((None, None), (("A",), None)),  # the whole store, then a portfolio
    ],
)
def test_another_view_of_the_store_is_never_served_while_one_builds(
    setup, first: tuple[tuple[str, ...] | None, str | None], then: tuple[tuple[str, ...] | None, str | None]
) -> None:  # type: ignore[no-untyped-def]
    """While a snapshot builds, the newest ready one is served in its place: only if it is
    the same view of the store (scope, and whose own projects). Another person's rows were
    served for up to stale_seconds when two views shared one cache."""
    rebuilds, builder, _ = setup
    mine = snap(1).scoped(*first)
    theirs = snap(1).scoped(*then)
    assert mine.key != theirs.key
    rebuilds.serve(mine)
    served = rebuilds.serve(theirs)
    assert served.snap == theirs and not served.stale
    assert builder.calls == [mine.key, theirs.key]
    # and a newer version of the same view is served from its own older one
    release = builder.gate(snap(2).scoped(*then))
    newer = rebuilds.serve(snap(2).scoped(*then))
    assert newer.stale and newer.snap == theirs
    release.set()
