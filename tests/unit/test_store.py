"""Snapshots, supersession, "as of week W", retraction, duplicates, compaction."""

from __future__ import annotations

import copy
import datetime as dt
import json

import pytest

from epmo import sql
from epmo.ingest import ACCEPTED, DUPLICATE, ingest, latest_reporting_day
from epmo.store import Store
from tests.conftest import WEEK, project_row, projects_csv

MS = "project_id,milestone_id,milestone_name,baseline_date,forecast_date\n"


def _as_of(store: Store, view: str, as_of: dt.date) -> list[dict[str, object]]:
    con = store.connect()
    try:
        return sql.arrow(con, f"export/{view}", as_of=as_of).to_pylist()
    finally:
        con.close()


def _week(n: int) -> dt.date:
    return WEEK + dt.timedelta(weeks=n)


def test_portfolio_as_of_week(store: Store) -> None:
    ingest(store, "w0.csv", projects_csv(project_row("P1"), project_row("P2")), as_of=_week(0))
    ingest(store, "w1.csv", projects_csv(project_row("P1", rag_overall="Red")), as_of=_week(1))
    before = _as_of(store, "projects", _week(0) - dt.timedelta(days=1))
    assert before == []
    w0 = {r["project_id"]: r for r in _as_of(store, "projects", _week(0))}
    assert w0["P1"]["rag_overall"] == "Green" and w0["P1"]["weeks_stale"] == 0
    w1 = {r["project_id"]: r for r in _as_of(store, "projects", _week(1))}
    assert w1["P1"]["rag_overall"] == "Red" and w1["P1"]["weeks_stale"] == 0
    assert w1["P2"]["rag_overall"] == "Green" and w1["P2"]["weeks_stale"] == 1  # stale, still shown
    w5 = {r["project_id"]: r for r in _as_of(store, "projects", _week(5))}
    assert (w5["P1"]["weeks_stale"], w5["P2"]["weeks_stale"]) == (4, 5)


def test_later_upload_same_week_supersedes(store: Store) -> None:
    ingest(store, "a.csv", projects_csv(project_row("P1", rag_overall="Amber")), as_of=_week(0))
    ingest(store, "b.csv", projects_csv(project_row("P1", rag_overall="Red")), as_of=_week(0))
    rows = _as_of(store, "projects", _week(0))
    assert [r["rag_overall"] for r in rows] == ["Red"]


def test_supersession_is_per_table_and_per_project(store: Store) -> None:
    ingest(store, "p.csv", projects_csv(project_row("P1"), project_row("P2")), as_of=_week(0))
    ingest(
        store,
        "m.csv",
        (
            MS + "P1,M1,Design,2026-03-01,2026-03-01\nP1,M2,Build,2026-06-01,2026-06-01\n"
            "P2,M1,Go-live,2026-09-01,2026-09-01\n"
        ).encode(),
        as_of=_week(0),
    )
    # Week 1: P1 resubmits milestones with one fewer; P2 sends nothing; projects untouched.
    ingest(store, "m2.csv", (MS + "P1,M1,Design,2026-03-01,2026-04-01\n").encode(), as_of=_week(1))
    ms = _as_of(store, "milestones", _week(1))
    assert sorted((r["project_id"], r["milestone_id"]) for r in ms) == [("P1", "M1"), ("P2", "M1")]
    assert len(_as_of(store, "projects", _week(1))) == 2


def test_retract_restores_the_previous_submission(store: Store) -> None:
    ingest(store, "a.csv", projects_csv(project_row("P1", rag_overall="Green")), as_of=_week(0))
    bad = ingest(store, "b.csv", projects_csv(project_row("P1", rag_overall="Red")), as_of=_week(1))
    store.retract(bad.upload_id, "admin@example.org", "wrong project")
    assert [r["rag_overall"] for r in _as_of(store, "projects", _week(1))] == ["Green"]
    ledger = {r["upload_id"]: r for r in _as_of_ledger(store)}
    assert ledger[bad.upload_id]["status"] == "retracted"
    assert ledger[bad.upload_id]["retraction_reason"] == "wrong project"


def _as_of_ledger(store: Store) -> list[dict[str, object]]:
    con = store.connect()
    try:
        return sql.arrow(con, "export/uploads").to_pylist()
    finally:
        con.close()


def test_same_file_twice_is_stored_once(store: Store) -> None:
    data = projects_csv(project_row("P1"))
    first = ingest(store, "a.csv", data, as_of=_week(0))
    second = ingest(store, "a-copy.csv", data, as_of=_week(0))
    assert (first.status, second.status) == (ACCEPTED, DUPLICATE)
    assert second.duplicate_of == first.upload_id
    assert len(_as_of_ledger(store)) == 1


def test_ledger_records_who_what_when(store: Store) -> None:
    out = ingest(store, "a.csv", projects_csv(project_row("P1")), as_of=_week(0), user_email="pm@example.org")
    row = _as_of_ledger(store)[0]
    assert row["upload_id"] == out.upload_id
    assert (row["user_email"], row["file_name"], row["tables"]) == ("pm@example.org", "a.csv", "projects")
    assert row["as_of_date"] == _week(0) and len(str(row["sha256"])) == 64
    assert '"projects": 1' in str(row["row_counts"])


def test_rows_of_an_upload_without_ledger_row_are_invisible(store: Store) -> None:
    """The commit point: data written but no ledger row (a killed process) shows nowhere."""
    from epmo.ingest import check_upload
    from epmo.store import PreparedUpload, conform, data_schema

    outcome = check_upload(store, "a.csv", projects_csv(project_row("P9")), as_of=_week(0))
    up = PreparedUpload(_week(0), outcome.tables, "a.csv", "x" * 64)
    store._append("projects", conform(outcome.tables["projects"], data_schema("projects"), up.upload_id))
    assert _as_of(store, "projects", _week(0)) == []


def test_compaction_keeps_every_row(store: Store, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from epmo import maintenance, settings

    for i in range(6):
        ingest(store, f"w{i}.csv", projects_csv(project_row(f"P{i}")), as_of=_week(0))
    cfg = copy.deepcopy(settings.settings())
    cfg["store"]["compact_after_files"] = 2
    monkeypatch.setattr(settings, "settings", lambda: cfg)
    assert any(a.startswith("compacted projects") for a in maintenance.run(store).actions)
    assert len(store.snapshot().files["projects"]) < 6
    assert sorted(r["project_id"] for r in _as_of(store, "projects", _week(0))) == [f"P{i}" for i in range(6)]


def test_latest_reporting_day_is_the_last_friday() -> None:
    assert latest_reporting_day(dt.date(2026, 11, 25)) == dt.date(2026, 11, 20)
    assert latest_reporting_day(dt.date(2026, 11, 20)) == dt.date(2026, 11, 20)
    assert latest_reporting_day(dt.date(2026, 11, 19)) == dt.date(2026, 11, 13)


def test_export_neutralises_formula_text_but_not_numbers() -> None:
    import pandas as pd

    from epmo.export import neutralise

    frame = pd.DataFrame(
        {"name": ["=cmd|' /C calc'!A0", "+1", "@SUM(1)", "plain", "-x", " =1"], "n": [-5, 1, 2, 3, 4, 5]}
    )
    out = neutralise(frame)
    # "+1" has nothing to run (a plain number stays as typed; see epmo_formula)
    assert out["name"].tolist() == ["'=cmd|' /C calc'!A0", "+1", "'@SUM(1)", "plain", "'-x", "' =1"]
    assert out["n"].tolist() == [-5, 1, 2, 3, 4, 5]


def test_saved_documents_keep_every_version_and_kinds_apart(store: Store) -> None:
    store.save_document("scenario", "hire two", '{"v": 1}', "a@x.org", as_of=dt.date(2026, 11, 20))
    store.save_document("scenario", "hire two", '{"v": 2}', "b@x.org")
    store.save_document("mapping", "hire two", '{"m": 1}', "c@x.org")
    latest = store.document("scenario", "hire two")
    assert (latest["version"], json.loads(latest["spec"]), latest["saved_by"]) == (2, {"v": 2}, "b@x.org")
    first = store.document("scenario", "hire two", version=1)
    assert (json.loads(first["spec"]), first["as_of_date"]) == ({"v": 1}, dt.date(2026, 11, 20))
    assert [d["version"] for d in store.documents("scenario")] == [2]
    assert json.loads(store.document("mapping", "hire two")["spec"]) == {"m": 1}
    assert store.document("scenario", "nobody") is None
    with pytest.raises(ValueError):
        store.save_document("scenario", "bad", "{not json", "a@x.org")


def test_mappings_saved_before_the_documents_table_are_carried_over(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import pyarrow as pa
    from deltalake import write_deltalake

    uri = str(tmp_path / "old")
    old = Store(uri)
    old.ensure()
    # an earlier version's layout: a mappings/ table, no documents/ table
    import shutil

    shutil.rmtree(tmp_path / "old" / "documents")
    saved = [
        {
            "name": "itdash",
            "saved_at": dt.datetime(2026, 10, 1, tzinfo=dt.UTC),
            "saved_by": "a@x.org",
            "spec": '{"v": 1}',
        },
        {
            "name": "itdash",
            "saved_at": dt.datetime(2026, 10, 8, tzinfo=dt.UTC),
            "saved_by": "b@x.org",
            "spec": '{"v": 2}',
        },
    ]
    schema = pa.schema(
        [
            ("name", pa.string()),
            ("saved_at", pa.timestamp("us", tz="UTC")),
            ("saved_by", pa.string()),
            ("spec", pa.string()),
        ]
    )
    write_deltalake(f"{uri}/mappings", pa.Table.from_pylist(saved, schema=schema))
    ingest(old, "p.csv", projects_csv(project_row("P1")), as_of=WEEK)  # the store is in use

    store = Store(uri)
    store.snapshot()  # opening the store carries the mappings over
    doc = store.document("mapping", "itdash")
    assert doc is not None and (doc["version"], json.loads(doc["spec"]), doc["saved_by"]) == (
        2,
        {"v": 2},
        "b@x.org",
    )
    assert store.upgrade() == 0  # once only
    assert [d["name"] for d in store.documents("mapping")] == ["itdash"]
    assert len(store.rows("ledger/document_versions", kind="mapping", name="itdash")) == 2


@pytest.mark.parametrize(
    ("rows", "part_rows", "files"), [(5, 6, 1), (6, 6, 1), (12, 6, 2), (13, 6, 2), (40, 6, 2)]
)
def test_a_large_upload_is_appended_in_parts_side_by_side_and_whole(
    store: Store, monkeypatch: pytest.MonkeyPatch, rows: int, part_rows: int, files: int
) -> None:
    """An upload's rows of a table are appended in parts of at least PART_ROWS rows, at most
    one per write thread (two here), on threads; below twice PART_ROWS it is one file. The
    rows are all there once, and only with the ledger row."""
    from epmo import store as store_mod

    monkeypatch.setattr(store_mod, "PART_ROWS", part_rows)
    monkeypatch.setattr(store_mod, "_WRITE_THREADS", 2)
    before = len(store.snapshot().files.get("projects", []))
    ids = [f"P{i:03d}" for i in range(rows)]
    out = ingest(store, "big.csv", projects_csv(*(project_row(p) for p in ids)), as_of=_week(0))
    assert out.status == ACCEPTED
    assert len(store.snapshot().files["projects"]) - before == files
    assert sorted(r["project_id"] for r in _as_of(store, "projects", _week(0))) == ids


def test_a_part_that_fails_to_write_leaves_no_upload(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """One part's append refused (the disk full, say): the error reaches the caller after the
    other writes have ended, and no ledger row is written, so none of the rows is read."""
    from epmo import store as store_mod
    from epmo.store import StoreWriteError

    monkeypatch.setattr(store_mod, "PART_ROWS", 3)
    monkeypatch.setattr(store_mod, "_WRITE_THREADS", 2)
    real = store_mod.Store._write
    seen: list[int] = []

    def second_part_fails(self: Store, name: str, data: object, *args: object) -> None:
        seen.append(1)
        if name == "projects" and len(seen) == 2:
            raise StoreWriteError(self.uri, "disk full")
        real(self, name, data, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(store_mod.Store, "_write", second_part_fails)
    with pytest.raises(StoreWriteError):
        ingest(store, "big.csv", projects_csv(*(project_row(f"P{i}") for i in range(8))), as_of=_week(0))
    assert len(seen) == 3  # two parts and the submissions, all attempted
    assert _as_of(store, "projects", _week(0)) == [] and store.rows("export/uploads") == []
