"""The store on S3-compatible object storage (moto's server on loopback, tests/objectstore.py):
every command, the page queries, the explorer's lockdown, concurrent writers from several
processes, and the options the Delta library gets from the environment."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from epmo import demo, integrity, objectstore, sandbox
from epmo.cli import main
from epmo.store import Store
from tests.conftest import DEMO_END, WEEK, project, project_row, projects_csv, upload_tables
from tests.objectstore import new_prefix, s3_env

ROOT_DIR = Path(__file__).resolve().parents[2]
# One worker runs the module: one S3 server and one demo load, not one per worker.
pytestmark = pytest.mark.xdist_group(name="s3")


@pytest.mark.parametrize(
    ("uri", "env", "expected"),
    [
        ("data/store", {}, None),
        ("file:///srv/store", {}, None),
        ("gs://bucket/epmo", {}, None),  # the Delta library reads GOOGLE_* itself
        (
            "s3://bucket/epmo",
            {"AWS_REGION": "eu-west-2"},
            {"AWS_REGION": "eu-west-2", "conditional_put": "etag"},
        ),
        (
            "s3://bucket/epmo",
            {
                "AWS_ENDPOINT_URL": "http://127.0.0.1:9000",
                "AWS_ACCESS_KEY_ID": "k",
                "AWS_SECRET_ACCESS_KEY": "s",
            },
            {
                "AWS_REGION": "us-east-1",
                "AWS_ENDPOINT_URL": "http://127.0.0.1:9000",
                "AWS_ALLOW_HTTP": "true",
                "AWS_ACCESS_KEY_ID": "k",
                "AWS_SECRET_ACCESS_KEY": "s",
                "conditional_put": "etag",
            },
        ),
        (
            "s3a://bucket/epmo",
            {"AWS_DEFAULT_REGION": "us-west-1", "AWS_S3_LOCKING_PROVIDER": "dynamodb"},
            {"AWS_REGION": "us-west-1", "AWS_S3_LOCKING_PROVIDER": "dynamodb"},
        ),
    ],
)
def test_storage_options_from_the_environment(
    uri: str, env: dict[str, str], expected: dict[str, str] | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in objectstore.ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    assert objectstore.storage_options(uri) == expected
    assert Store(uri).is_local is (expected is None and "://" not in uri.replace("file://", ""))


@pytest.fixture(scope="module")
def s3_demo(s3_endpoint: str) -> Iterator[Store]:
    """The small demo loaded straight into the loopback S3 server (read-only for the tests)."""
    with pytest.MonkeyPatch.context() as mp:
        for k, v in s3_env(s3_endpoint).items():
            mp.setenv(k, v)
        store = Store(new_prefix("demo"))
        demo.load_demo(store, scale="small", seed=3, end=DEMO_END)
        yield store


@pytest.mark.parametrize(
    ("query", "params"),
    [
        ("health/headline", {"as_of": DEMO_END, "previous": DEMO_END - dt.timedelta(days=7)}),
        ("export/projects", {"as_of": DEMO_END - dt.timedelta(weeks=2)}),
        ("export/allocations", {"as_of": DEMO_END}),
        ("export/uploads", {}),
    ],
)
def test_page_queries_on_s3_equal_local_disk(
    s3_demo: Store, _demo_template: Path, query: str, params: dict[str, object]
) -> None:
    """The same demo on S3 and on a local disk gives the same rows, query for query."""
    if "headline" in query:
        params = params | {"portfolios": [], "programmes": []}
    got = s3_demo.frame(query, **params)
    want = Store(str(_demo_template)).frame(query, **params)
    assert len(want) > 0
    drop = [c for c in ("committed_at",) if c in want.columns]  # commit stamps differ by design
    # every value equal; floats to 1e-12 relative, because DuckDB's threaded sums can differ in
    # the last digit from one run to the next (the headline's CPI failed once on 2026-11-30)
    pd.testing.assert_frame_equal(
        got.drop(columns=drop), want.drop(columns=drop), check_exact=False, rtol=1e-12, atol=0
    )


def test_explorer_on_s3_reads_the_snapshot_and_nothing_else(s3_demo: Store) -> None:
    """The worker process reaches the store (endpoint and keys passed to it), and the
    lockdown still allows only the snapshot's own objects: another object of the same
    bucket (which exists) is refused."""
    result = sandbox.run_store(s3_demo, "SELECT count(*) AS n FROM projects", DEMO_END)
    assert int(result.frame["n"].iloc[0]) > 0
    snap = s3_demo.snapshot()
    other_store = Store(new_prefix("other"))
    other_store.ensure()
    upload_tables(other_store, WEEK, projects=[project("P1")])
    other = other_store.snapshot().files["projects"][0]
    with pytest.raises(sandbox.Refused) as info:
        sandbox.run(snap, f"SELECT count(*) FROM read_parquet('{other}')", DEMO_END)
    assert other not in str(info.value)


def test_every_command_on_s3(s3_uri: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """ingest, retract, maintain (the lease), check, export, sql, pack, access: all on one S3 store."""
    good = tmp_path / "projects.csv"
    good.write_bytes(projects_csv(project_row("P1"), project_row("P2", rag_overall="Red")))
    report = tmp_path / "r.json"
    assert main(["ingest", str(good), "--as-of", str(WEEK), "--store", s3_uri, "--report", str(report)]) == 0
    first = json.loads(report.read_text())["upload_id"]
    good.write_bytes(projects_csv(project_row("P1", actual_cost="500000")))
    assert main(["ingest", str(good), "--as-of", str(WEEK), "--store", s3_uri]) == 0
    assert main(["retract", first, "--reason", "wrong week", "--store", s3_uri]) == 0
    assert main(["retract", first, "--reason", "again", "--store", s3_uri]) == 2
    assert main(["maintain", "--force", "--store", s3_uri]) == 0
    assert main(["check", "--store", s3_uri]) == 0
    out = tmp_path / "projects.json"
    assert (
        main(
            [
                "export",
                "projects",
                "--as-of",
                str(WEEK),
                "--store",
                s3_uri,
                "--format",
                "json",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    rows = json.loads(out.read_text())
    assert [(r["project_id"], r["actual_cost"]) for r in rows] == [
        ("P1", 500000.0)
    ]  # P2 went with the retraction
    capsys.readouterr()
    assert main(["sql", "SELECT count(*) AS n FROM uploads", "--store", s3_uri, "--format", "csv"]) == 0
    assert capsys.readouterr().out.split() == ["n", "2"]
    pack = tmp_path / "pack.html"
    assert main(["pack", "--out", str(pack), "--as-of", str(WEEK), "--store", s3_uri]) == 0
    assert "P1" in pack.read_text(encoding="utf-8")
    # access, read from S3 on every command once it has entries: the first grant makes an
    # admin; through them a viewer of another portfolio, who then exports nothing of P1
    assert main(["access", "grant", "ops@example.org", "admin", "--store", s3_uri]) == 0
    ops = ["--as", "ops@example.org", "--store", s3_uri]
    assert main(["access", "grant", "v@example.org", "viewer", "--portfolio", "Retail", *ops]) == 0
    capsys.readouterr()
    assert main(["access", "list", *ops]) == 0
    listed = capsys.readouterr().out
    assert "ops@example.org\tadmin\tevery portfolio" in listed and "v@example.org\tviewer\tRetail" in listed
    scoped = ["export", "projects", "--as-of", str(WEEK), "--format", "json", "--out", str(out)]
    assert main([*scoped, "--as", "v@example.org", "--store", s3_uri]) == 0
    assert json.loads(out.read_text()) == []
    assert main(["access", "revoke", "v@example.org", *ops]) == 0
    capsys.readouterr()
    assert main(["access", "list", *ops]) == 0
    assert "v@example.org" not in capsys.readouterr().out


def test_check_finds_a_missing_object(s3_uri: str) -> None:
    store = Store(s3_uri)
    store.ensure()
    upload_tables(store, WEEK, projects=[project("P1")])
    victim = store.snapshot().files["projects"][0]
    objectstore.arrow_filesystem(s3_uri).delete_file(victim.split("://", 1)[1])
    problems = integrity.check_logs(store)
    assert problems == [f"projects: the log lists a data file that is missing: {victim}"]


def test_a_large_upload_in_parts_side_by_side_on_s3(s3_uri: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The parts of a large upload's table (Store._append_all) race for the same log
    versions of one table on S3: conditional put lets one commit win and the others retry;
    every row is there once, and only with the ledger row."""
    from epmo import store as store_mod
    from epmo.ingest import ACCEPTED, ingest

    monkeypatch.setattr(store_mod, "PART_ROWS", 4)
    monkeypatch.setattr(store_mod, "_WRITE_THREADS", 3)
    store = Store(s3_uri)
    store.ensure()
    ids = [f"P{i:02d}" for i in range(14)]
    assert (
        ingest(store, "big.csv", projects_csv(*(project_row(p) for p in ids)), as_of=WEEK).status == ACCEPTED
    )
    assert len(store.snapshot().files["projects"]) == 3
    from epmo import sql

    con = Store(s3_uri).connect()
    try:
        got = sorted(r["project_id"] for r in sql.arrow(con, "export/projects", as_of=WEEK).to_pylist())
    finally:
        con.close()
    assert got == ids


@pytest.mark.slow
def test_concurrent_writers_from_several_processes_lose_nothing(s3_uri: str, tmp_path: Path) -> None:
    """3 processes x 4 uploads (3 Delta commits each), started at one instant on one S3
    store: the commits race for the same log versions (conditional put: one wins, the
    others retry at the next version); none is lost or doubled. (Measured beyond the
    suite: 4 x 8 the same.)"""
    procs_n, per = 3, 4
    env = {**os.environ, "PYTHONPATH": str(ROOT_DIR)}
    Store(s3_uri).ensure()
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.unit.s3_procs", "writer", s3_uri, str(tmp_path), str(per), f"W{i}"],
            cwd=ROOT_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(procs_n)
    ]
    deadline = time.monotonic() + 120
    while len(list(tmp_path.glob("ready-*"))) < procs_n:
        assert time.monotonic() < deadline, "writers did not start"
        assert all(p.poll() is None for p in procs), [p.communicate() for p in procs]
        time.sleep(0.05)
    (tmp_path / "go").touch()
    outs = [p.communicate(timeout=180) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    store = Store(s3_uri)
    con = store.connect()
    try:
        ids = con.sql("SELECT project_id FROM projects_as_of(DATE '2026-11-20') ORDER BY 1").fetchall()
        uploads = con.sql("SELECT count(*) FROM accepted_uploads").fetchall()[0]
        versions = dict(store.snapshot().versions)
    finally:
        con.close()
    expected = sorted(f"W{i}-{j}" for i in range(procs_n) for j in range(per))
    assert [r[0] for r in ids] == expected
    assert uploads == (procs_n * per,)
    assert versions["uploads"] == procs_n * per  # one ledger commit each, version 0 the creation
    assert integrity.check(store).ok


NO_BUCKET = ("s3://nosuchbucket/store", {}, "its bucket does not exist (the app never creates buckets")
# a closed port: the Delta library retries for about 2.5 s, so one command only
UNREACHABLE = (
    "s3://epmo-test/store",
    {"AWS_ENDPOINT_URL": "http://127.0.0.1:9"},
    "endpoint cannot be reached",
)


@pytest.mark.parametrize(
    ("store", "env", "said", "argv"),
    [
        (*NO_BUCKET, ["check"]),
        (*NO_BUCKET, ["export", "projects"]),
        (*NO_BUCKET, ["health"]),
        (*UNREACHABLE, ["health"]),
    ],
    ids=["check, no such bucket", "export, no such bucket", "health, no such bucket", "health, unreachable"],
)
def test_an_object_store_that_cannot_be_read_is_said_in_words(
    s3_endpoint: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    store: str,
    env: dict[str, str],
    said: str,
    argv: list[str],
) -> None:
    """A wrong bucket or endpoint came out as "unexpected error: OSError: Generic S3 error"
    and eight lines of the server's XML with terminal colour codes (a container's log, and
    the health check's output)."""
    for k, v in (s3_env(s3_endpoint) | env).items():
        monkeypatch.setenv(k, v)
    assert main([*argv, "--store", store]) != 0
    out = capsys.readouterr()
    err = out.err + out.out  # health writes its lines to stdout
    start = (
        f"FAIL store {store}: cannot be read: "
        if argv == ["health"]
        else f"error: the store at {store} cannot be read: "
    )
    assert start in err and said in err, err
    assert "\x1b[" not in err and "<Error>" not in err and "unexpected" not in err


@pytest.mark.parametrize(
    ("exc", "uri", "said"),
    [
        (OSError("Generic S3 error: <Code>NoSuchBucket</Code>"), "s3://b/store", "its bucket does not exist"),
        (
            OSError("... tcp connect error: Connection refused (os error 111)"),
            "s3://b/store",
            "cannot be reached",
        ),
        (OSError("403 Forbidden <Code>InvalidAccessKeyId</Code>"), "s3://b/store", "refused the credentials"),
        (OSError("tcp connect error: Connection refused"), "/srv/store", None),  # a local store
        (ValueError("a query said: connection refused"), "s3://b/store", None),  # not the store's
        (FileNotFoundError("/tmp/nodir/connection refused.csv"), "s3://b/store", None),  # a local file
    ],
)
def test_what_counts_as_a_store_that_cannot_be_read(exc: BaseException, uri: str, said: str | None) -> None:
    """`export --out '/tmp/nodir/timed out.csv'` on a local store was said to be an object
    store whose endpoint cannot be reached: the words were matched in any error."""
    from epmo.store import read_failure

    got = read_failure(exc, uri)
    assert (got is None) if said is None else (got is not None and said in got), got
