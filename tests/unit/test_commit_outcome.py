"""commit(outcome): an upload validated once is committed without being validated again,
unless the store moved on between the check and the commit; a duplicate that arrived
meanwhile is still caught."""

from __future__ import annotations

from typing import Any

import pytest

from epmo import ingest as ingest_mod
from epmo.ingest import ACCEPTED, DUPLICATE, REJECTED, VALID, check_upload, commit, ingest
from epmo.store import Store
from tests.conftest import WEEK, project_row, projects_csv

DATA = projects_csv(project_row("P1"), project_row("P2"))


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the runs of the validation rules (epmo.validate.run_checks)."""
    runs: list[int] = []
    real = ingest_mod.run_checks

    def counted(*args: Any, **kwargs: Any) -> Any:
        runs.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(ingest_mod, "run_checks", counted)
    return runs


def test_a_validated_upload_commits_without_a_second_validation(store: Store, checks: list[int]) -> None:
    outcome = check_upload(store, "w.csv", DATA, as_of=WEEK)
    assert outcome.status == VALID and len(checks) == 1
    done = commit(store, outcome, "w.csv", DATA, "pm@example.org")
    assert done.status == ACCEPTED and done.upload_id
    assert len(checks) == 1  # the store did not move: the rules were not run again
    assert outcome.status == VALID  # the caller's outcome is left as validated
    assert len(store.rows("export/uploads")) == 1


def test_the_store_moving_on_means_checking_again(store: Store, checks: list[int]) -> None:
    outcome = check_upload(store, "w.csv", DATA, as_of=WEEK)
    ingest(store, "other.csv", projects_csv(project_row("P3")), as_of=WEEK)  # meanwhile
    runs_before = len(checks)
    done = commit(store, outcome, "w.csv", DATA)
    assert done.status == ACCEPTED
    assert len(checks) == runs_before + 1  # checked again on the new snapshot


def test_a_duplicate_committed_meanwhile_is_caught(store: Store) -> None:
    first = check_upload(store, "w.csv", DATA, as_of=WEEK)
    second = check_upload(store, "w.csv", DATA, as_of=WEEK)
    assert commit(store, first, "w.csv", DATA).status == ACCEPTED
    again = commit(store, second, "w.csv", DATA)
    assert again.status == DUPLICATE and again.duplicate_of
    assert len(store.rows("export/uploads")) == 1


def test_a_duplicate_is_caught_without_the_store_moving(store: Store, checks: list[int]) -> None:
    ingest(store, "w.csv", DATA, as_of=WEEK)
    outcome = check_upload(store, "w.csv", DATA, as_of=WEEK)  # the page checks without the digest
    runs = len(checks)
    again = commit(store, outcome, "w.csv", DATA)
    assert again.status == DUPLICATE and len(checks) == runs
    assert len(store.rows("export/uploads")) == 1


def test_only_a_valid_outcome_can_be_committed(store: Store) -> None:
    bad = check_upload(store, "w.csv", b"not,a\ncontract,file\n", as_of=WEEK)
    assert bad.status == REJECTED
    with pytest.raises(ValueError, match="only a valid upload"):
        commit(store, bad, "w.csv", b"not,a\ncontract,file\n")


def test_ingest_hashes_the_file_while_it_is_read_and_records_that_digest(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ingest hashes the file on a thread while the parse child reads it: the ledger holds
    the file's sha256, the second ingest of the same file is the duplicate, and a failure
    of the hashing reaches the caller instead of a blank digest."""
    import hashlib

    first = ingest(store, "w.csv", DATA, as_of=WEEK)
    assert first.status == ACCEPTED
    (row,) = store.rows("export/uploads")
    assert row["sha256"] == hashlib.sha256(DATA).hexdigest()
    assert ingest(store, "w.csv", DATA, as_of=WEEK).status == DUPLICATE

    def broken(data: bytes) -> str:
        raise MemoryError("no memory for the digest")

    monkeypatch.setattr(ingest_mod, "sha256", broken)
    with pytest.raises(MemoryError, match="no memory for the digest"):
        ingest(store, "x.csv", projects_csv(project_row("P9")), as_of=WEEK)
    assert len(store.rows("export/uploads")) == 1
