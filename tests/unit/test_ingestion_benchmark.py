"""The ingestion benchmark at a tiny size: its figures have the promised shape, the rows it
ingests land in its copy of the store, and the source store is never written."""

from __future__ import annotations

from pathlib import Path

import pyarrow.compute as pc
from deltalake import DeltaTable

from bench.harness import ingestion
from epmo.store import Store
from tests.conftest import tree_digest


def test_measure_tiny(demo_store: Store, tmp_path: Path) -> None:
    source = Path(demo_store.uri)
    before = tree_digest(source)
    work = tmp_path / "bench"
    results = ingestion.measure(work, demo_store.uri, csv_rows=2_000, xlsx_rows=500, repeats=1)

    assert [r["name"] for r in results] == ["ingest_csv", "ingest_xlsx"]
    for r, rows in zip(results, (2_000, 500), strict=True):
        assert set(r) == {"name", "seconds", "baseline_seconds", "ratio", "rows", "note"}
        assert r["rows"] == rows
        assert r["seconds"] > 0 and r["baseline_seconds"] > 0
        assert abs(r["ratio"] - r["seconds"] / r["baseline_seconds"]) < 0.02 * r["ratio"] + 0.01
        copy = Store(str(work / f"store-{r['name']}"))
        ledger = DeltaTable(f"{copy.uri}/uploads").to_pyarrow_table()
        mine = ledger.filter(pc.equal(ledger["note"], "ingestion benchmark")).to_pylist()
        assert len(mine) == 1 and mine[0]["event"] == "accepted"
        stored = copy.rows("ledger/rows_of_upload", table_name="allocations", upload_id=mine[0]["upload_id"])
        assert stored[0]["row_count"] == rows

    assert tree_digest(source) == before
    ledger = DeltaTable(f"{source}/uploads").to_pyarrow_table()
    assert "ingestion benchmark" not in ledger["note"].to_pylist()


def test_generated_allocations_have_unique_keys() -> None:
    import datetime as dt

    table = ingestion.allocations(["P1", "P2", "P3"], dt.date(2026, 11, 27), 5_000)
    assert table.num_rows == 5_000
    keys = {
        tuple(r.values())
        for r in table.select(["project_id", "role", "resource_name", "period_start"]).to_pylist()
    }
    assert len(keys) == 5_000
    assert set(table["project_id"].to_pylist()) == {"P1", "P2", "P3"}
    assert all(dt.date.fromisoformat(d).weekday() == 0 for d in table["period_start"].to_pylist()[:100])
