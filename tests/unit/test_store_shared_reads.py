"""Concurrent snapshot requests share Delta log reads (epmo/store.py Store._shared_read), and
no caller ever gets a snapshot read before its own call."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from epmo.store import Snapshot, Store


class SlowReads:
    """Stands in for Store._read_snapshot: each read takes `seconds`, is numbered, and notes
    when it started."""

    def __init__(self, seconds: float, fail_first: bool = False) -> None:
        self.seconds = seconds
        self.started: list[float] = []
        self.fail_first = fail_first
        self.lock = threading.Lock()

    def __call__(self) -> Snapshot:
        with self.lock:
            self.started.append(time.monotonic())
            n = len(self.started)
        time.sleep(self.seconds)
        if self.fail_first and n == 1:
            raise OSError("the log could not be read")
        return Snapshot(f"read-{n}", (("uploads", n),), {})


def run_callers(store: Store, callers: int) -> list[tuple[float, Snapshot | Exception]]:
    results: list[tuple[float, Snapshot | Exception]] = [(0.0, OSError("not run"))] * callers
    gate = threading.Barrier(callers)

    def call(i: int) -> None:
        gate.wait()
        t = time.monotonic()
        try:
            results[i] = (t, store.snapshot())
        except OSError as exc:
            results[i] = (t, exc)

    threads = [threading.Thread(target=call, args=(i,)) for i in range(callers)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(30)
    return results


@pytest.mark.parametrize(("callers", "most_reads"), [(1, 1), (2, 2), (16, 3), (64, 3)])
def test_concurrent_callers_share_reads_that_started_after_their_call(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, callers: int, most_reads: int
) -> None:
    store = Store(str(tmp_path / "store"))
    reads = SlowReads(0.05)
    monkeypatch.setattr(store, "_read_snapshot", reads)
    results = run_callers(store, callers)
    assert 1 <= len(reads.started) <= most_reads  # one read each before: `callers` reads
    for called_at, snap in results:
        assert isinstance(snap, Snapshot)
        n = dict(snap.versions)["uploads"]
        assert reads.started[n - 1] >= called_at  # never a read older than the call


def test_calls_one_after_another_each_read_the_logs_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store(str(tmp_path / "store"))
    reads = SlowReads(0.0)
    monkeypatch.setattr(store, "_read_snapshot", reads)
    keys = [store.snapshot().key for _ in range(3)]
    assert len(reads.started) == 3 and len(set(keys)) == 3  # a local store reuses nothing


def test_a_failed_read_fails_its_caller_and_the_others_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store(str(tmp_path / "store"))
    reads = SlowReads(0.05, fail_first=True)
    monkeypatch.setattr(store, "_read_snapshot", reads)
    results = run_callers(store, 8)
    failed = [r for _, r in results if isinstance(r, Exception)]
    assert len(failed) == 1  # only the caller whose read failed
    assert all(isinstance(r, Snapshot) and r.uri != "read-1" for _, r in results if r not in failed)
    assert len(reads.started) >= 2
