"""`python -m epmo sql`: the explorer's sandbox on the command line."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest

from epmo.cli import main
from epmo.store import Store
from tests.conftest import DEMO_END, tree_digest


@pytest.fixture(scope="module")
def demo(_demo_template: Path) -> Store:
    return Store(str(_demo_template))


def test_csv_to_stdout(demo: Store, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "sql",
            "SELECT project_id, stage FROM projects ORDER BY project_id",
            "--as-of",
            str(DEMO_END),
            "--store",
            demo.uri,
        ]
    )
    out = capsys.readouterr()
    assert code == 0, out.err
    got = pd.read_csv(io.StringIO(out.out))
    expected = demo.frame("export/projects", as_of=DEMO_END)
    assert got["project_id"].tolist() == sorted(expected["project_id"].tolist())
    assert list(got.columns) == ["project_id", "stage"]


def test_json_and_the_as_of_week(demo: Store, capsys: pytest.CaptureFixture[str]) -> None:
    earlier = "2026-10-02"
    assert (
        main(
            [
                "sql",
                "SELECT count(*) AS n FROM projects",
                "--as-of",
                earlier,
                "--format",
                "json",
                "--store",
                demo.uri,
            ]
        )
        == 0
    )
    rows = json.loads(capsys.readouterr().out)
    import datetime as dt

    assert rows == [{"n": len(demo.frame("export/projects", as_of=dt.date.fromisoformat(earlier)))}]


def test_query_from_stdin(
    demo: Store, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("SELECT 41 + 1 AS answer"))
    assert main(["sql", "-", "--store", demo.uri]) == 0
    assert capsys.readouterr().out.splitlines() == ["answer", "42"]


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("COPY projects TO '{out}/x.csv'", "COPY is not allowed"),
        ("SELECT * FROM read_csv('/etc/passwd')", "access is disabled"),
        ("DROP VIEW projects", "DROP is not allowed"),
        ("SET enable_external_access = true", "are fixed"),
        ("SELECT 1; SELECT 2", "One statement at a time"),
        ("SELEC 1", "Syntax error"),
    ],
)
def test_refusals_exit_2_with_the_message_on_stderr(
    demo: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str], query: str, words: str
) -> None:
    before = tree_digest(Path(demo.uri))
    assert main(["sql", query.replace("{out}", str(tmp_path)), "--store", demo.uri]) == 2
    out = capsys.readouterr()
    assert out.out == "" and words in out.err and "Traceback" not in out.err
    assert not list(tmp_path.iterdir()) and tree_digest(Path(demo.uri)) == before


def test_truncation_is_said_on_stderr(
    demo: Store, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from epmo import settings

    override = Path(demo.uri).parent / "cap.toml"
    override.write_text("[explorer]\nrow_cap = 5\n")
    monkeypatch.setenv("EPMO_SETTINGS", str(override))
    settings.settings.cache_clear()
    try:
        assert main(["sql", "SELECT * FROM range(12)", "--store", demo.uri]) == 0
    finally:
        settings.settings.cache_clear()
        override.unlink()
    out = capsys.readouterr()
    assert len(out.out.splitlines()) == 1 + 5
    assert "only the first 5 rows" in out.err


def test_no_store_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sql", "SELECT 1", "--store", str(tmp_path / "none")]) == 2
    assert "no store at" in capsys.readouterr().err


def test_a_result_cut_at_the_byte_cap_is_said_on_stderr(
    demo: Store, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from epmo import settings

    override = Path(demo.uri).parent / "bytes.toml"
    override.write_text("[explorer]\nresult_mb = 0.05\n")  # 52,428 bytes: 52 rows of 1,000 characters
    monkeypatch.setenv("EPMO_SETTINGS", str(override))
    settings.settings.cache_clear()
    try:
        assert main(["sql", "SELECT repeat('x', 1000) AS s FROM range(100)", "--store", demo.uri]) == 0
    finally:
        settings.settings.cache_clear()
        override.unlink()
    out = capsys.readouterr()
    rows = len(out.out.splitlines()) - 1
    assert 0 < rows < 100 and rows * 1000 <= 52_428
    assert f"result cut at 0.05 MB (explorer.result_mb): the first {rows} rows" in out.err
