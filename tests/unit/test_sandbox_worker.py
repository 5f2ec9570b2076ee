"""The explorer's limits, enforced by a worker process: a query DuckDB cannot interrupt is
killed at the time limit (and nothing keeps burning CPU), a huge result is cut in the
worker without the server's memory growing, the byte and row caps at their thresholds,
no server path or setting in a result or an error, a trailing '; -- comment' runs."""

from __future__ import annotations

import dataclasses
import gc
import os
import re
import time
from pathlib import Path

import duckdb
import pytest

from epmo import sandbox, sandbox_worker
from epmo.store import Snapshot, Store
from tests.conftest import DEMO_END

# One levenshtein of two 30,000-character strings takes seconds inside a single chunk:
# DuckDB's interrupt() is not honoured until the chunk ends (147 s before the fix).
LEVENSHTEIN = "SELECT levenshtein(repeat('a',30000), repeat('b',30000)||range::VARCHAR) FROM range(40)"
# 10,000 rows of 100 KB: 1 GB handed to Python (3.6 GB of server memory before the fix).
WIDE = "SELECT repeat('x',100000)||range AS s FROM range(10000)"


@pytest.fixture(scope="module")
def demo(_demo_template: Path) -> Store:
    sandbox.prewarm()  # as the page does: a worker waits with its imports done
    return Store(str(_demo_template))


def _limits(**override: object) -> sandbox.Limits:
    return sandbox.Limits.from_settings(**override)


def _rss_mb() -> float:
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024  # type: ignore[union-attr]


def _cpu_seconds() -> float:
    t = os.times()
    return t.user + t.system


def _children() -> set[int]:
    """Explorer worker processes whose parent is this one (the pytest process; other tests
    in it may have children of their own, such as a streamlit server)."""
    me = str(os.getpid())
    out = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if fields[1] == me and b"epmo.sandbox_worker" in cmdline:
            out.add(int(stat.parent.name))
    return out


def test_a_query_duckdb_cannot_interrupt_is_killed_at_the_limit(demo: Store) -> None:
    limit = 2.0
    started = time.monotonic()
    with pytest.raises(sandbox.TimedOut, match="Stopped after 2 s") as caught:
        sandbox.run(demo.snapshot(), LEVENSHTEIN, DEMO_END, limits=_limits(time_limit_s=limit))
    wall = time.monotonic() - started
    stopped = caught.value
    assert stopped.seconds is not None and stopped.pid
    # killed and reaped right after the limit (the worker's start is not part of the limit)
    assert limit <= stopped.seconds < limit + 1.0, stopped.seconds
    assert wall < limit + _limits().start_limit_s, wall  # and the worker's start is bounded too
    # the worker is gone, not even a zombie, and no other worker of ours but the idle pool
    assert not Path(f"/proc/{stopped.pid}").exists()
    assert stopped.pid not in _children()
    idle = set(sandbox_worker.POOL.idle_pids())
    assert idle and _children() == idle, (_children(), idle)  # the replacement waits, nothing else
    assert stopped.pid not in sandbox_worker.POOL.idle_pids()
    # and this process burns no CPU afterwards (before the fix DuckDB's threads ran on here)
    before = _cpu_seconds()
    time.sleep(1.0)
    assert _cpu_seconds() - before < 0.3


def test_a_huge_result_is_cut_in_the_worker_and_the_server_does_not_grow(demo: Store) -> None:
    sandbox.run(demo.snapshot(), "SELECT 1", DEMO_END)  # imports and first-use allocations done
    gc.collect()
    before = _rss_mb()
    got = sandbox.run(demo.snapshot(), WIDE, DEMO_END)
    grown = _rss_mb() - before
    cap = _limits().result_bytes
    assert got.cut_bytes and not got.truncated
    assert got.notice and got.notice.startswith("Result cut at 32 MB")
    assert 0 < len(got.frame) < 10_000
    assert got.frame["s"].str.len().sum() <= cap  # the rows shown fit the cap
    assert grown < 4 * cap / 2**20 + 64, f"server RSS grew {grown:.0f} MB"  # 3,300 MB before the fix
    del got
    gc.collect()
    assert _rss_mb() - before < 64  # nothing retained once the result is dropped


def test_the_worker_address_space_limit_ends_a_query_that_would_hold_too_much(demo: Store) -> None:
    """With the byte cap out of the way (16 GB), 2 GB of rows exceed the worker's 2 GB address
    space: the worker fails with a message and the server's memory does not move."""
    before = _rss_mb()
    with pytest.raises(sandbox.QueryFailed, match="memory limit"):
        sandbox.run(
            demo.snapshot(),
            "SELECT repeat('x',100000)||range AS s FROM range(20000)",
            DEMO_END,
            limits=_limits(result_bytes=16 * 2**30, row_cap=10**6, address_space=2 * 10**9),
        )
    assert _rss_mb() - before < 64


def _nbytes(text: str) -> int:
    """The Arrow bytes of a query's whole result, computed apart from the explorer."""
    con = duckdb.connect()
    try:
        return int(con.sql(text).to_arrow_table().nbytes)
    finally:
        con.close()


BYTES_QUERY = "SELECT range AS i, repeat('x', 1000) AS s FROM range(3000)"


@pytest.mark.parametrize(("slack", "cut"), [(0, False), (-1, True), (1, False)])
def test_the_byte_cap_at_its_threshold(demo: Store, slack: int, cut: bool) -> None:
    whole = _nbytes(BYTES_QUERY)
    got = sandbox.run(demo.snapshot(), BYTES_QUERY, DEMO_END, limits=_limits(result_bytes=whole + slack))
    assert got.cut_bytes is cut
    assert len(got.frame) == (2999 if cut else 3000)  # a byte short: the last row is left out
    assert got.frame["i"].tolist() == list(range(len(got.frame)))
    assert (got.notice is not None) is cut


@pytest.mark.parametrize(("rows", "truncated"), [(9, False), (10, False), (11, True)])
def test_the_row_cap_at_its_threshold(demo: Store, rows: int, truncated: bool) -> None:
    got = sandbox.run(
        demo.snapshot(), f"SELECT range AS i FROM range({rows})", DEMO_END, limits=_limits(row_cap=10)
    )
    assert got.truncated is truncated and not got.cut_bytes
    assert len(got.frame) == min(rows, 10)
    assert (got.notice or "").startswith("Only the first 10 rows") is truncated


@pytest.mark.parametrize(
    ("worker_queries", "worker_rss_mb", "same"),
    [(2, 400, [True, False]), (50, 400, [True, True]), (50, 1, [False, False])],
)
def test_a_worker_is_recycled_after_worker_queries_or_past_its_memory(
    demo: Store,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    worker_queries: int,
    worker_rss_mb: int,
    same: list[bool],
) -> None:
    from epmo import settings

    override = tmp_path / "recycle.toml"
    override.write_text(f"[explorer]\nworker_queries = {worker_queries}\nworker_rss_mb = {worker_rss_mb}\n")
    monkeypatch.setenv("EPMO_SETTINGS", str(override))
    settings.settings.cache_clear()
    sandbox_worker.POOL.close()  # start from a worker that has served nothing
    try:
        pids = []
        for _ in range(3):
            sandbox.run(demo.snapshot(), "SELECT count(*) FROM projects", DEMO_END)
            pids.append(sandbox_worker.POOL.last_pid)
    finally:
        settings.settings.cache_clear()
    assert [a == b for a, b in zip(pids, pids[1:], strict=False)] == same, pids
    for pid in set(pids) - set(sandbox_worker.POOL.idle_pids()):
        assert not Path(f"/proc/{pid}").exists()  # a worker not kept is gone


LEAKS = [
    ("SELECT current_setting('allowed_paths') AS p", "current_setting is not available"),
    ("SELECT CURRENT_SETTING('memory_limit')", "current_setting is not available"),
    ("SELECT \"current_setting\"('home_directory')", "current_setting is not available"),
    ("SELECT * FROM duckdb_settings()", "duckdb_settings is not available"),
    ("SELECT value FROM duckdb_settings() WHERE name = 'allowed_paths'", "duckdb_settings is not available"),
    ("SELECT view_definition FROM information_schema.views", "view_definition is not available"),
    ("SELECT * FROM query(concat('SELECT * FROM duck', 'db_settings()'))", "query() is not available"),
    ("FROM query('SELECT current_' || 'setting(''allowed_paths'') AS p')", "query() is not available"),
    ("SELECT * FROM \"QUERY\" ('SELECT 1')", "query() is not available"),
    ("SELECT * FROM query_table('duck' || 'db_settings()')", "query_table() is not available"),
    ("SELECT getvariable('raw_files_projects') AS f", "getvariable is not available"),
    ("SELECT * FROM duckdb_variables()", "duckdb_variables is not available"),
    # a '--' or '/*' inside a string hid the rest of the line from the name check
    ("SELECT '--', reverse(getvariable('raw_files_projects')[1])", "getvariable is not available"),
    ("SELECT '--' AS x, * FROM query('SELECT 1 AS a')", "query() is not available"),
    ("SELECT '/*', reverse(getvariable('raw_files_projects')[1]), '*/'", "getvariable is not available"),
    ("SELECT $$--$$ AS a, getvariable('raw_files_projects')", "getvariable is not available"),
    # the tokenizer's offsets are bytes: each é before a string stretched the blanked span
    (
        "SELECT '" + "\u00e9" * 48 + "' AS a, reverse(getvariable('raw_files_projects')[1]) AS b",
        "getvariable is not available",
    ),
    ("SELECT name, reverse(setting) AS r FROM pg_catalog.pg_settings", "pg_settings is not available"),
    ("SELECT * FROM duckdb_profiling_settings()", "duckdb_profiling_settings is not available"),
    (
        "SELECT regexp_extract(replace(json_serialize_plan('SELECT getvariable(''raw_files_access'') f'), "
        "'/', '|'), '\"value\":\"([^\"]*)\"', 1) AS p",
        "json_serialize_plan is not available",
    ),
    (
        "SELECT json_serialize_sql('SELECT current_setting(''allowed_paths'')') AS j",
        "json_serialize_sql is not available",
    ),
    ("SELECT E'\\'--' AS a, getvariable('raw_files_projects')", "getvariable is not available"),
    (
        "SELECT json_execute_serialized_sql(json_serialize_sql('SELECT 1'))",
        "json_execute_serialized_sql is not available",
    ),
    ("SELECT * FROM duckdb_extensions()", "duckdb_extensions is not available"),
    ("SELECT * FROM pragma_database_list", "pragma_database_list is not available"),
]


@pytest.mark.parametrize(("text", "words"), LEAKS, ids=[t[0][:50] for t in LEAKS])
def test_no_server_path_or_setting_leaks(demo: Store, text: str, words: str) -> None:
    with pytest.raises(sandbox.Refused) as caught:
        sandbox.run(demo.snapshot(), text, DEMO_END)
    message = str(caught.value)
    assert words in message, message
    _no_paths(message, demo)


@pytest.mark.parametrize(
    "text",
    [
        "SELECT view_name, sql FROM duckdb_views() WHERE NOT internal",
        "SELECT upper(sql) AS s FROM duckdb_views()",
        "SELECT replace(sql, '/', '|') AS s FROM duckdb_views() WHERE view_name LIKE 'raw_%'",
        "SELECT upper(COLUMNS('view_d.*')) FROM information_schema.views",
        "SELECT upper(sql) AS s FROM sqlite_master",
    ],
)
def test_view_definitions_name_no_file(demo: Store, text: str) -> None:
    """However a view's definition is read or transformed, it holds no server path: the raw
    views read their file lists from session variables, which the explorer does not show."""
    result = sandbox.run(demo.snapshot(), text, DEMO_END)
    assert len(result.frame), text
    root = str(Path(demo.uri).resolve())
    for needle in (root, root.upper(), root.replace("/", "|"), ".PARQUET", ".parquet"):
        assert (
            not result.frame.astype(str).apply(lambda c, n=needle: c.str.contains(n, regex=False)).any().any()
        ), (
            text,
            needle,
        )


@pytest.mark.parametrize(
    "text",
    [
        "SELECT 'a' AS query, 1 AS query_table",
        "SELECT 'query(' AS x, 'getvariable(''x'')' AS y",
        "SELECT count(*) AS n FROM raw_projects WHERE project_name LIKE '%query (x)%'",
        "SELECT 1 AS n -- getvariable('x') in a comment\n",
    ],
)
def test_a_name_in_a_string_or_a_comment_is_not_a_call(demo: Store, text: str) -> None:
    assert len(sandbox.run(demo.snapshot(), text, DEMO_END).frame) == 1


def test_a_query_with_accents_and_a_final_semicolon_runs(demo: Store) -> None:
    """'Zürich' before a final ';' failed: the tokenizer's byte offset was read as a character's."""
    frame = sandbox.run(
        demo.snapshot(), "SELECT 'Z\u00fcrich' AS city, '\u00e9t\u00e9' AS s; -- a note", DEMO_END
    ).frame
    assert frame.to_dict("records") == [{"city": "Z\u00fcrich", "s": "\u00e9t\u00e9"}]


def test_every_built_in_object_that_reads_a_refused_name_is_refused() -> None:
    """pg_catalog.pg_settings (a view over duckdb_settings) showed every setting, the allowed
    paths included, and duckdb_profiling_settings() is a macro over it: whatever of DuckDB's
    own reads a refused name is refused itself (information_schema.views shows definitions,
    which name no file: store.register_snapshot)."""
    import re

    import duckdb

    con = duckdb.connect()
    try:
        objects = con.execute(
            "SELECT function_name, macro_definition FROM duckdb_functions() "
            "WHERE function_type IN ('macro', 'table_macro') "
            "UNION ALL SELECT view_name, sql FROM duckdb_views() WHERE internal"
        ).fetchall()
    finally:
        con.close()
    refused = set(sandbox.HIDDEN)
    reach = {
        name
        for name, definition in objects
        if set(re.findall(r"[a-z_][a-z0-9_]*", (definition or "").lower())) & refused
    }
    assert reach - refused == {"views"}, reach - refused


def _no_paths(message: str, store: Store) -> None:
    root = str(Path(store.uri).resolve())
    assert root not in message and store.uri not in message, message
    assert os.path.expanduser("~") + "/" not in message, message


def test_error_texts_name_the_table_not_the_file(demo: Store, tmp_path: Path) -> None:
    """A snapshot file gone (e.g. vacuumed): the error names raw_projects and <store>, not paths."""
    snap = demo.snapshot()
    first = snap.files["projects"][0]
    gone = str(Path(first).with_name("part-gone-c000.snappy.parquet"))
    files = dict(snap.files) | {"projects": (*snap.files["projects"], gone)}
    broken = dataclasses.replace(snap, files=files)
    with pytest.raises(sandbox.ExplorerError) as caught:
        sandbox.run(broken, "SELECT count(*) FROM raw_projects", DEMO_END)
    message = str(caught.value)
    _no_paths(message, demo)
    assert "raw_projects" in message, message
    # a path the analyst typed is not echoed either
    with pytest.raises(sandbox.Refused) as typed:
        sandbox.run(snap, f"SELECT * FROM read_text('{Path(first).parent}/x.txt')", DEMO_END)
    _no_paths(str(typed.value), demo)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('IO Error: No files found that match the pattern "{root}/projects/a.parquet"', "raw_projects"),
        ('Cannot open "{root}/raid/other.parquet"', '"<store>/raid/other.parquet"'),
        ('Cannot access file "/etc/passwd" - disabled', '"<path>" - disabled'),
        ("Binder Error: column a/b not found; 10/3 = 3.33", "column a/b not found; 10/3 = 3.33"),
        ("See also docs/explorer.md", "See also docs/explorer.md"),
    ],
)
def test_scrub_replaces_paths(text: str, expected: str) -> None:
    snap = Snapshot(
        uri="/srv/epmo/store", versions=(), files={"projects": ("/srv/epmo/store/projects/a.parquet",)}
    )
    out = sandbox.scrub(text.replace("{root}", "/srv/epmo/store"), snap)
    assert expected in out and "/srv/epmo" not in out, out


@pytest.mark.parametrize(
    ("text", "params"),
    [
        ("SELECT 1 AS a; -- comment", {}),
        ("SELECT 1 AS a;  -- a note\n", {}),
        ("SELECT 1 AS a -- why\n;\n/* done */\n", {}),
        ("SELECT $x AS a; -- with a parameter", {"x": 1}),
        ("SELECT ';' AS s, 1 AS a; -- a ';' in a string stays", {}),
    ],
)
def test_a_trailing_semicolon_and_comment_run(demo: Store, text: str, params: dict[str, object]) -> None:
    got = sandbox.run(demo.snapshot(), text, DEMO_END, params)
    assert got.frame["a"].tolist() == [1]


def test_a_second_statement_after_the_semicolon_is_still_refused(demo: Store) -> None:
    with pytest.raises(sandbox.Refused, match="One statement at a time"):
        sandbox.run(demo.snapshot(), "SELECT 1; -- fine\nSELECT 2", DEMO_END)


def test_limits_from_settings_are_checked() -> None:
    limits = _limits()
    assert limits.result_bytes == 32 * 2**20 and limits.address_space == 2_500_000_000
    with pytest.raises(ValueError, match="twice memory_limit"):
        _limits(address_space=10**9)
    with pytest.raises(ValueError, match="positive"):
        _limits(result_bytes=0)


@pytest.mark.parametrize(("max_workers", "busy"), [(1, True), (2, False)])
def test_queries_beyond_max_workers_wait_then_are_told_the_explorer_is_busy(
    demo: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, max_workers: int, busy: bool
) -> None:
    import threading

    from epmo import settings

    override = tmp_path / "workers.toml"
    override.write_text(f"[explorer]\nmax_workers = {max_workers}\n")
    monkeypatch.setenv("EPMO_SETTINGS", str(override))
    settings.settings.cache_clear()
    try:
        slow = threading.Thread(
            target=lambda: pytest.raises(
                sandbox.TimedOut,
                sandbox.run,
                demo.snapshot(),
                LEVENSHTEIN,
                DEMO_END,
                limits=_limits(time_limit_s=4),
            )
        )
        slow.start()
        # the slow query holds its slot (on a loaded machine taking it can take a while)
        from epmo.sandbox_worker import POOL

        deadline = time.monotonic() + 30
        while POOL.slots()._value >= max_workers and time.monotonic() < deadline:
            time.sleep(0.05)
        if busy:
            with pytest.raises(
                sandbox.Busy,
                match=r"The explorer is busy: it already runs 1 query at once on this server \(explorer.max_workers\)",
            ):
                sandbox.run(demo.snapshot(), "SELECT 1 AS a", DEMO_END, limits=_limits(time_limit_s=1))
        else:
            got = sandbox.run(demo.snapshot(), "SELECT 1 AS a", DEMO_END, limits=_limits(time_limit_s=30))
            assert got.frame["a"].tolist() == [1]  # a second slot: answered, not refused
        slow.join()
    finally:
        settings.settings.cache_clear()


@pytest.mark.parametrize(("endpoint_changes", "reused"), [(False, True), (True, False)])
def test_an_idle_worker_serves_only_the_object_store_it_was_started_for(
    monkeypatch: pytest.MonkeyPatch, endpoint_changes: bool, reused: bool
) -> None:
    """A warm worker keeps the store variables it started with: once they change (another
    EPMO_STORE endpoint), it is not handed out, whatever ran before in this process."""
    from epmo import sandbox_worker as w

    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    idle = w._spawn()
    w.POOL._idle.insert(0, idle)
    if endpoint_changes:
        monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    got = w.POOL.take()
    try:
        assert (got.pid == idle.pid) is reused
        assert (idle.poll() is None) is reused  # a worker for another store is reaped
    finally:
        w._reap(got)
        if not reused:
            w._reap(idle)
