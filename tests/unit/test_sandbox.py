"""The SQL explorer's sandbox: every attack refused with a clear message and no effect, the
as-of views and the history readable, the time limit, the row cap, the query library."""

from __future__ import annotations

import datetime as dt
import threading
import time
from pathlib import Path

import duckdb
import pytest

from epmo import sandbox
from epmo.store import Store
from tests.conftest import DEMO_END, tree_digest

EARLIER = DEMO_END - dt.timedelta(weeks=6)


@pytest.fixture(scope="module")
def demo(_demo_template: Path) -> Store:
    """The session's small demo store, read only here (tests that could write check its digest)."""
    sandbox.prewarm()  # as the page does: a worker process waits with its imports done
    return Store(str(_demo_template))


def _run(store: Store, text: str, as_of: dt.date = DEMO_END, **limits: object) -> sandbox.Result:
    return sandbox.run(store.snapshot(), text, as_of, limits=sandbox.Limits.from_settings(**limits))


# (attack, the error class, words the message must contain, a file that must not appear)
ATTACKS = [
    ("SELECT * FROM read_csv('/etc/passwd')", sandbox.Refused, "file, network and extension access", None),
    ("SELECT * FROM read_csv_auto('/etc/passwd')", sandbox.Refused, "disabled in the explorer", None),
    ("SELECT * FROM read_text('/etc/passwd')", sandbox.Refused, "disabled in the explorer", None),
    ("SELECT * FROM read_blob('/etc/hostname')", sandbox.Refused, "disabled in the explorer", None),
    ("SELECT * FROM read_json('/etc/passwd')", sandbox.Refused, "disabled in the explorer", None),
    ("SELECT * FROM glob('/*')", sandbox.Refused, "disabled in the explorer", None),
    ("SELECT * FROM sniff_csv('/etc/passwd')", sandbox.Refused, "disabled in the explorer", None),
    ("SELECT * FROM read_parquet('../x.parquet')", sandbox.Refused, "disabled in the explorer", None),
    (
        "SELECT * FROM read_csv('https://example.com/x.csv')",
        sandbox.Refused,
        "disabled in the explorer",
        None,
    ),
    ("SELECT * FROM duckdb_secrets()", sandbox.Refused, "disabled in the explorer", None),
    ("FROM '/etc/passwd'", sandbox.QueryFailed, "does not exist", None),
    ("SELECT getenv('HOME')", sandbox.QueryFailed, "getenv does not exist", None),
    ("COPY projects TO '{out}/copy.csv'", sandbox.Refused, "copy is not allowed", "copy.csv"),
    (
        "COPY (SELECT 1) TO '{out}/copy2.parquet' (FORMAT parquet)",
        sandbox.Refused,
        "use the download",
        "copy2.parquet",
    ),
    ("/* hidden */ COPY projects TO '{out}/c3.csv'", sandbox.Refused, "copy is not allowed", "c3.csv"),
    ("EXPORT DATABASE '{out}/exported'", sandbox.Refused, "export is not allowed", "exported"),
    ("ATTACH '{out}/other.db' AS other", sandbox.Refused, "attach is not allowed", "other.db"),
    ("DETACH memory", sandbox.Refused, "detach is not allowed", None),
    ("INSTALL httpfs", sandbox.Refused, "install and load are not allowed", None),
    ("LOAD httpfs", sandbox.Refused, "install and load are not allowed", None),
    ("SET enable_external_access = true", sandbox.Refused, "settings", None),
    ("RESET enable_external_access", sandbox.Refused, "settings", None),
    ("SET lock_configuration = false", sandbox.Refused, "settings", None),
    ("SET VARIABLE explorer_as_of = DATE '2020-01-03'", sandbox.Refused, "set variable is not allowed", None),
    ("PRAGMA threads = 8", sandbox.Refused, "pragma is not allowed", None),
    ("PRAGMA enable_profiling", sandbox.Refused, "pragma is not allowed", None),
    ("CREATE TABLE t AS SELECT * FROM projects", sandbox.Refused, "create is not allowed", None),
    ("CREATE OR REPLACE VIEW projects AS SELECT 1 AS x", sandbox.Refused, "read-only", None),
    ("INSERT INTO health_rules SELECT * FROM health_rules", sandbox.Refused, "insert is not allowed", None),
    ("UPDATE health_rules SET cpi_red_below = 0", sandbox.Refused, "update is not allowed", None),
    ("DELETE FROM enum_values", sandbox.Refused, "delete is not allowed", None),
    ("DROP VIEW projects", sandbox.Refused, "drop is not allowed", None),
    ("ALTER VIEW projects RENAME TO p2", sandbox.Refused, "alter is not allowed", None),
    ("CHECKPOINT", sandbox.Refused, "call is not allowed", None),
    ("CALL pragma_version()", sandbox.Refused, "call is not allowed", None),
    ("EXPLAIN ANALYZE COPY projects TO '{out}/e.csv'", sandbox.Refused, "explain is not allowed", "e.csv"),
    ("BEGIN TRANSACTION", sandbox.Refused, "not needed", None),
    ("SELECT 1; DROP VIEW projects", sandbox.Refused, "one statement at a time", None),
    (
        "SELECT * FROM query('COPY projects TO ''{out}/q.csv''')",
        sandbox.Refused,
        "query() is not available",
        "q.csv",
    ),
    ("SELECT * FROM", sandbox.QueryFailed, "syntax error", None),
    ("   -- only a comment", sandbox.Refused, "write a query first", None),
]


@pytest.mark.parametrize(("attack", "error", "words", "artefact"), ATTACKS, ids=[a[0][:40] for a in ATTACKS])
def test_attack_is_refused_with_a_clear_message_and_no_effect(
    demo: Store,
    tmp_path: Path,
    attack: str,
    error: type[sandbox.ExplorerError],
    words: str,
    artefact: str | None,
) -> None:
    before = tree_digest(Path(demo.uri))
    text = attack.replace("{out}", str(tmp_path))
    with pytest.raises(error) as caught:
        _run(demo, text)
    message = str(caught.value)
    assert words in message.lower(), message
    assert "Traceback" not in message and "root:" not in message  # no file content leaks
    if artefact:
        assert not (tmp_path / artefact).exists()
    assert not list(tmp_path.iterdir())  # nothing written anywhere we pointed at
    assert tree_digest(Path(demo.uri)) == before  # the store unchanged byte for byte
    # Each query has a process of its own, so nothing an attack did can reach the next query
    # (test_a_query_after_the_attacks_reads_the_same_data); its settings: test_the_engine_itself_refuses


def test_a_query_after_the_attacks_reads_the_same_data(demo: Store) -> None:
    after = _run(demo, "SELECT count(*) AS n FROM projects")
    assert after.frame["n"].iloc[0] == len(demo.frame("export/projects", as_of=DEMO_END))


# The engine's own lock, without the statement check in front of it (defence in depth):
# a statement that got past the parser check would still fail.
ENGINE_ATTACKS = [
    "SET enable_external_access = true",
    "SET lock_configuration = false",
    "SET memory_limit = '100GB'",
    "COPY (SELECT 1) TO '{out}/x.csv'",
    "ATTACH '{out}/x.db'",
    "INSTALL httpfs",
    "LOAD httpfs",
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM glob('/*')",
]


@pytest.mark.parametrize("attack", ENGINE_ATTACKS)
def test_the_engine_itself_refuses(demo: Store, tmp_path: Path, attack: str) -> None:
    import duckdb

    con = sandbox.connect(demo.snapshot(), DEMO_END, sandbox.Limits.from_settings())
    try:
        with pytest.raises(duckdb.Error):
            con.execute(attack.replace("{out}", str(tmp_path))).fetchall()
        settings = dict(
            con.sql(
                "SELECT name, value FROM duckdb_settings() WHERE name IN "
                "('enable_external_access', 'lock_configuration', 'memory_limit', "
                "'autoload_known_extensions', 'autoinstall_known_extensions', 'threads', 'temp_directory')"
            ).fetchall()
        )
    finally:
        con.close()
    assert settings["enable_external_access"] == "false"
    assert settings["lock_configuration"] == "true"
    assert settings["autoload_known_extensions"] == "false"
    assert settings["autoinstall_known_extensions"] == "false"
    assert settings["threads"] == str(sandbox.Limits.from_settings().threads)
    assert settings["temp_directory"] == ""  # no spilling to files
    assert not list(tmp_path.iterdir())


def test_store_files_outside_the_snapshot_are_not_readable(demo: Store) -> None:
    log = next(Path(demo.uri).glob("projects/_delta_log/*.json"))
    with pytest.raises(sandbox.Refused):
        _run(demo, f"SELECT * FROM read_text('{log}')")


def test_project_health_and_history(demo: Store) -> None:
    health = _run(demo, "SELECT project_id, rag_computed, cpi FROM project_health ORDER BY project_id").frame
    from epmo import health as h

    view = h.project_health_view(demo, DEMO_END)
    assert health["project_id"].tolist() == view["project_id"].tolist()
    assert health["rag_computed"].fillna("").tolist() == view["rag_computed"].fillna("").tolist()
    ledger = _run(demo, "SELECT count(*) AS n FROM uploads").frame["n"].iloc[0]
    assert ledger == demo.rows("ledger/upload_count")[0]["upload_count"]
    weeks = (
        _run(
            demo,
            "SELECT count(DISTINCT u.as_of_date) AS weeks FROM raw_projects p JOIN uploads u USING (upload_id)",
        )
        .frame["weeks"]
        .iloc[0]
    )
    assert weeks == len(demo.frame("ledger/reporting_weeks"))


def test_parameters_are_bound_and_missing_ones_named(demo: Store) -> None:
    text = "SELECT count(*) AS n FROM projects_as_of(CAST($week AS DATE))"
    got = sandbox.run(demo.snapshot(), text, DEMO_END, {"week": EARLIER}).frame["n"].iloc[0]
    assert got == len(demo.frame("export/projects", as_of=EARLIER))
    with pytest.raises(sandbox.QueryFailed, match=r"\$week"):
        sandbox.run(demo.snapshot(), text, DEMO_END, {})


def test_read_statements_other_than_select_run(demo: Store) -> None:
    for text in (
        "DESCRIBE projects",
        "SUMMARIZE raid",
        "SHOW TABLES",
        "VALUES (1, 'a')",
        "FROM projects LIMIT 2",
    ):
        assert len(_run(demo, text).frame) > 0, text


def test_the_time_limit_stops_a_cross_join(demo: Store) -> None:
    text = "SELECT count(*) FROM raw_allocations a, raw_allocations b, raw_allocations c"
    started = time.perf_counter()
    with pytest.raises(sandbox.TimedOut, match="Stopped after 1.5 s") as caught:
        _run(demo, text, time_limit_s=1.5)
    assert caught.value.seconds is not None and 1.5 <= caught.value.seconds < 1.5 + 1  # killed at the limit
    assert time.perf_counter() - started < 1.5 + sandbox.Limits.from_settings().start_limit_s  # and the start


def test_other_queries_are_answered_while_one_runs_to_its_limit(demo: Store) -> None:
    """A slow query holds neither the GIL nor a shared connection: others are answered."""
    slow_done: list[float] = []
    stopped: list[bool] = []
    started = time.perf_counter()

    def slow() -> None:
        try:
            _run(
                demo,
                "SELECT count(*) FROM raw_allocations a, raw_allocations b, raw_allocations c",
                time_limit_s=12,  # long enough for the quick query to start a worker of its own
            )
        except sandbox.TimedOut:
            stopped.append(True)
        slow_done.append(time.perf_counter() - started)

    worker = threading.Thread(target=slow)
    worker.start()
    time.sleep(0.5)
    quick = _run(demo, "SELECT count(*) AS n FROM projects").frame["n"].iloc[0]
    answered = time.perf_counter() - started
    worker.join()
    assert quick > 0
    assert stopped and slow_done[0] >= 12  # the slow one ran to its limit...
    assert answered < slow_done[0], (answered, slow_done)  # ...and the quick one was answered meanwhile


@pytest.mark.parametrize(
    ("rows", "cap", "truncated"),
    [(25, 10, True), (11, 10, True), (10, 10, False), (9, 10, False), (0, 10, False)],
)
def test_the_row_cap(demo: Store, rows: int, cap: int, truncated: bool) -> None:
    got = sandbox.run(
        demo.snapshot(),
        "SELECT range AS i FROM range($n) ORDER BY i",
        DEMO_END,
        {"n": rows},
        limits=sandbox.Limits.from_settings(row_cap=cap),
    )
    assert len(got.frame) == min(rows, cap)
    assert got.truncated is truncated
    assert got.frame["i"].tolist() == list(range(min(rows, cap)))


def test_limits_come_from_settings_and_are_checked() -> None:
    limits = sandbox.Limits.from_settings()
    assert limits.time_limit_s == 10 and limits.row_cap == 10_000
    with pytest.raises(ValueError, match="positive"):
        sandbox.Limits.from_settings(time_limit_s=0)


@pytest.mark.parametrize(
    ("kind", "text", "expected"),
    [
        ("list", "", []),
        ("list", "Corporate, Digital", ["Corporate", "Digital"]),
        ("list", "[70, 85.5]", [70, 85.5]),
        ("list", "2026-11-20, 2026-11-13", [dt.date(2026, 11, 20), dt.date(2026, 11, 13)]),
        ("date", "2026-11-20", dt.date(2026, 11, 20)),
        ("date", "null", None),
        ("value", "12", 12),
        ("value", "0.5", 0.5),
        ("value", "true", True),
        ("value", "month", "month"),
        ("value", "", None),
    ],
)
def test_parameter_inputs_are_parsed(kind: str, text: str, expected: object) -> None:
    assert sandbox.parse_param(kind, text) == expected


@pytest.mark.parametrize(
    ("kind", "text"), [("date", "20/11/2026"), ("date", "2026-02-30"), ("date", " "), ("list", "2026-13-01")]
)
def test_bad_parameter_inputs_say_which(kind: str, text: str) -> None:
    with pytest.raises(sandbox.QueryFailed, match=r"\$as_of"):
        sandbox.parse_param(kind, text, "as_of")


@pytest.mark.parametrize(
    ("name", "param", "kind"),
    [
        ("health/rag_matrix", "portfolios", "list"),
        ("health/rag_matrix", "as_of", "date"),
        ("health/rag_matrix", "level", "value"),
        ("health/headline", "previous", "date"),
        ("capacity/utilisation", "band_limits", "list"),
        ("capacity/utilisation", "change_from", "list"),
        ("capacity/utilisation", "horizon_end", "date"),
        ("capacity/shortage", "top_n", "value"),
    ],
)
def test_parameter_kinds_follow_the_query(name: str, param: str, kind: str) -> None:
    from epmo import sql

    assert sandbox.param_kind(sql.query(name).text, param) == kind


def test_the_library_lists_every_query_file_with_its_documentation() -> None:
    from epmo import sql

    lib = {q.name: q for q in sandbox.library()}
    assert set(lib) == {f"{p.parent.name}/{p.stem}" for p in sql.QUERIES_DIR.glob("*/*.sql")}
    rag = lib["health/rag_matrix"]
    assert (
        rag.runnable and "RAG" in rag.grain and rag.params == ("as_of", "level", "portfolios", "programmes")
    )
    assert lib["views/projects_as_of"].kind == "definition"
    assert lib["checks/not_a_date"].kind == "staging"
    assert lib["ledger/legacy_mappings_to_copy"].kind == "files"
    assert lib["repair/distinct_rows"].kind == "table" and not lib["repair/distinct_rows"].runnable
    assert all(q.note() for q in lib.values() if not q.runnable)


def test_every_runnable_library_query_runs_in_the_sandbox_with_its_defaults(demo: Store) -> None:
    snap = demo.snapshot()
    failures = {}
    runnable = [q for q in sandbox.library() if q.runnable]
    assert len(runnable) > 30
    limits = sandbox.Limits.from_settings()
    con = sandbox.connect(snap, DEMO_END, limits)  # one locked connection for all (speed)
    try:
        for q in runnable:
            defaults = sandbox.param_defaults(q.params, DEMO_END)
            params = {p: sandbox.parse_param(sandbox.param_kind(q.text, p), defaults[p], p) for p in q.params}
            try:
                sandbox.execute(con, q.text, DEMO_END, params, limits)
            except sandbox.ExplorerError as exc:
                failures[q.name] = str(exc)
    finally:
        con.close()
    assert not failures
    rag = sandbox.library()
    matrix = next(q for q in rag if q.name == "health/rag_matrix")
    got = sandbox.run(
        snap,
        matrix.text,
        DEMO_END,
        {"as_of": DEMO_END, "level": "portfolio", "portfolios": [], "programmes": []},
    ).frame
    expected = demo.frame(
        "health/rag_matrix", as_of=DEMO_END, level="portfolio", portfolios=[], programmes=[]
    )
    assert got.equals(expected)


@pytest.mark.parametrize(
    ("text", "fields", "description"),
    [
        (
            "-- grain: one row per group, RAG\n-- dimension and value\n-- params: $as_of, $level\n"
            "-- $portfolios (list)\nSELECT 1",
            {
                "grain": "one row per group, RAG dimension and value",
                "params": "$as_of, $level $portfolios (list)",
            },
            "",
        ),
        (
            "-- grain: one row per role\n-- Utilisation = demand / supply.\n-- Blank when none.\nSELECT 1",
            {"grain": "one row per role"},
            "Utilisation = demand / supply. Blank when none.",
        ),
        ("SELECT 1 -- grain: not a header", {}, ""),
    ],
)
def test_header_documentation_is_read_with_continuation_lines(
    text: str, fields: dict[str, str], description: str
) -> None:
    assert sandbox.header(text) == (fields, description)


@pytest.mark.parametrize(
    ("text", "columns"),
    [
        ("SELECT 1 AS a, 2 AS a, 3 AS a", ["a", "a_1", "a_2"]),  # unique names for the table
        ("SELECT INTERVAL 1 DAY AS i, 1::HUGEINT AS h, {'k': 1} AS s, [1, 2] AS l", ["i", "h", "s", "l"]),
    ],
)
def test_results_of_any_shape_become_a_table(demo: Store, text: str, columns: list[str]) -> None:
    assert _run(demo, text).frame.columns.tolist() == columns


@pytest.mark.parametrize("text", ["SELECT 'infinity'::DATE AS d", "SELECT union_value(k := 1) AS u"])
def test_a_result_pandas_cannot_hold_is_a_clear_message(demo: Store, text: str) -> None:
    with pytest.raises(sandbox.QueryFailed, match="cast the column to text"):
        _run(demo, text)


def test_the_memory_limit_is_a_clear_message_and_nothing_spills_to_disk(
    demo: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # DuckDB would spill to ./.tmp
    text = (
        "SELECT k, count(*) FROM (SELECT range % 3000000 AS k, range::VARCHAR || repeat('x', 40) AS v "
        "FROM range(6000000) ORDER BY v) GROUP BY k"
    )
    with pytest.raises(sandbox.QueryFailed, match=r"more than the explorer's memory limit \(60MB\)"):
        _run(demo, text, memory_limit="60MB", time_limit_s=60)
    assert not list(tmp_path.iterdir())


def test_an_empty_store_answers_with_no_rows(store: Store) -> None:
    got = sandbox.run(store.snapshot(), "SELECT count(*) AS n FROM projects", DEMO_END).frame
    assert got["n"].tolist() == [0]
    with pytest.raises(sandbox.Refused):
        sandbox.run(store.snapshot(), "SELECT * FROM read_text('/etc/hostname')", DEMO_END)


@pytest.mark.parametrize("weeks_back", [0, 6, 12])
def test_the_explorer_reproduces_another_week_s_agile_health(demo: Store, weeks_back: int) -> None:
    """The explorer computed the agile forecasts only for its chosen week and the one before:
    health/project_health run there with another $as_of gave agile projects no forecast, and a
    computed RAG that differed from the page's (Red on the page, Amber in the explorer)."""
    from epmo import sql

    week = DEMO_END - dt.timedelta(weeks=weeks_back)
    text = sql.query("health/project_health").text
    params = {"as_of": week, "portfolios": [], "programmes": []}
    shown = sandbox.run(demo.snapshot(), text, DEMO_END, params=params).frame
    con = demo.connect()
    try:
        page = sql.df(con, "health/project_health", **params)
    finally:
        con.close()
    columns = ["project_id", "rag_computed", "flow_forecast_date", "flow_remaining_items"]
    agile = page["flow_remaining_items"].notna()
    assert agile.sum() >= 2, "the demo has agile projects this week"
    got = shown[columns].assign(flow_remaining_items=shown["flow_remaining_items"].astype(float))
    want = page[columns].assign(flow_remaining_items=page["flow_remaining_items"].astype(float))
    assert got.astype(str).values.tolist() == want.astype(str).values.tolist()


def test_the_explorer_s_defaults_are_the_pages_own() -> None:
    """A page's "Show SQL" run in the explorer gave 10 movers where Home shows 5, and a
    year's capacity cells where the heatmap shows 6 months."""
    import inspect

    from epmo import capacity
    from epmo.pagedata import portfolio

    week = dt.date(2026, 11, 27)
    movers = inspect.signature(portfolio.home).parameters["movers"].default
    assert sandbox.param_defaults(["limit", "horizon_end"], week) == {
        "limit": str(movers),
        "horizon_end": capacity.horizon_end(week).isoformat(),
    }


def test_an_out_of_memory_message_gives_no_advice_the_explorer_refuses() -> None:
    said = (
        "Out of Memory Error: failed to allocate data of size 16.0 MiB (953.6 MiB/953.6 MiB used)\n\n"
        "Possible solutions:\n* Reducing the number of threads (SET threads=X)\n"
        "* Disabling insertion-order preservation (SET preserve_insertion_order=false)\n"
        "* Increasing the memory limit (SET memory_limit='...GB')\n\n"
        "See also https://duckdb.org/docs/stable/guides/performance/how_to_tune_workloads"
    )
    message = str(sandbox._translate(duckdb.OutOfMemoryException(said), sandbox.Limits.from_settings()))
    assert "aggregate or filter first" in message and "failed to allocate data of size 16.0 MiB" in message
    assert "SET" not in message and "Possible solutions" not in message, message


@pytest.mark.parametrize(
    ("text", "every_date"),
    [
        ("SELECT 1", False),
        ("SELECT * FROM project_health", False),  # the chosen week's own view
        ("SELECT 1 AS project_health_weeks", False),  # a name, not a call
        ("SELECT 'project_health(' AS s", False),  # in a string
        ("SELECT * FROM project_health(DATE '2026-10-02')", True),
        ("SELECT * FROM project_health_weeks([DATE '2026-10-02'])", True),
        ("SELECT count(*) FROM flow_forecast_memo", True),
    ],
)
def test_every_report_date_s_forecasts_only_for_a_query_that_reads_them(
    demo: Store, text: str, every_date: bool
) -> None:
    """The forecasts of every report date cost 0.3 s on the small demo (more with history):
    they were computed for any query naming project_health, the chosen week's view included."""
    con = sandbox.connect(demo.snapshot(), DEMO_END, sandbox.Limits.from_settings(), text=text)
    try:
        weeks = con.execute("SELECT count(DISTINCT as_of_date) FROM flow_forecast_memo").fetchone()[0]
    finally:
        con.close()
    assert (weeks > 2) == every_date, weeks


@pytest.mark.parametrize(
    ("levels", "words"),
    [
        (100_000, "characters long; the explorer takes at most 100,000"),  # 700 KB: the parser's crash
        (251, "nests 251 levels of brackets"),
        (250, None),
    ],
)
def test_a_query_too_long_or_too_deep_is_refused_before_it_is_parsed(
    demo: Store, levels: int, words: str | None
) -> None:
    """100,000 nested subqueries (700 KB of FROM ( ... )) ended the server process itself:
    the statement is parsed there, before any worker, and DuckDB's parser recursed until the
    stack ran out. Refused now by length and by depth, before the parser sees it."""
    text = "FROM (" * levels + "SELECT 1 AS n" + ")" * levels
    if words is None:
        assert sandbox.run(demo.snapshot(), text, DEMO_END).frame["n"].tolist() == [1]
        return
    with pytest.raises(sandbox.Refused, match=words.replace("(", r"\(")):
        sandbox.run(demo.snapshot(), text, DEMO_END)
