"""The parse sandbox (epmo/isolate.py): uploads are read in a child process under OS limits.
So are Jira and flow-tool exports (the work-item importers and their status-history file).

With the workbook extent checks loosened, the hostile workbooks reach the XLSX reader, which
allocates gigabytes or panics: the child dies, the test process lives, the person gets a
clear message and the store is unchanged. The same for a CSV and a ZIP over a lowered
memory limit. The limits themselves are shown to bite with deliberately greedy functions
run in the child. A normal upload read through the child equals the in-process read.
"""

from __future__ import annotations

import contextlib
import gc
import io
import os
import random
import re
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from epmo import importers, isolate, readers, settings, templates
from epmo.importers import WorkItemImport
from epmo.ingest import ACCEPTED, REJECTED, ingest
from epmo.report import RejectedFile
from epmo.store import Store
from epmo.workflow import Workflow
from tests.conftest import WEEK, project, project_row, projects_csv, tree_digest
from tests.hostile_files import xlsx, xlsx_far_cell, xlsx_huge_shared_string
from tests.unit.test_importers import CRA_WF, FIX, PAY, _old_server_export

HERE = "tests.hostile_files"  # the greedy functions the child runs by name
# Extent checks off (so the reader itself meets the file), a small memory limit.
LOOSE = """
[limits]
max_cells = 1000000000000
max_columns = 1000000
max_rows = 1000000000
max_sheet_text_mb = 1000000
parse_memory_mb = {memory}
parse_cpu_seconds = {cpu}
"""


@pytest.fixture
def limits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """Call limits(memory=MB, cpu=S) to loosen the extent checks and set the child's limits."""

    def apply(memory: int = 300, cpu: float = 20) -> None:
        path = tmp_path / "settings.toml"
        path.write_text(LOOSE.format(memory=memory, cpu=cpu))
        monkeypatch.setenv("EPMO_SETTINGS", str(path))
        settings.settings.cache_clear()

    yield apply
    monkeypatch.delenv("EPMO_SETTINGS", raising=False)
    settings.settings.cache_clear()


def _hex_text(mb: float) -> bytes:
    """Text that compresses about 2:1 (so a ZIP of it is no zip bomb), deterministic."""
    return random.Random(5).randbytes(int(mb * 500_000)).hex().encode()


def _big_csv(mb: float) -> bytes:
    body = _hex_text(mb)
    lines = [body[i : i + 10_000] for i in range(0, len(body), 10_000)]
    return b"project_id,project_name\n" + b"".join(b"P1," + line + b"\n" for line in lines)


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


# (case, file name, builder of the bytes, child memory MB, rule, words the message must contain)
HOSTILE: list[tuple[str, str, Callable[[], bytes], int, str, str]] = [
    (
        "far_cell_aaa200000",
        "extract.xlsx",
        lambda: xlsx_far_cell("AAA200000"),
        300,
        "parse_memory",
        "needs more memory",
    ),
    (
        "shared_string_1mb_x5000",
        "extract.xlsx",
        xlsx_huge_shared_string,
        300,
        "parse_memory",
        "needs more memory",
    ),
    ("far_cell_xfd1048576", "extract.xlsx", xlsx_far_cell, 300, "parse_crashed", "stopped unexpectedly"),
    ("csv_over_memory", "projects.csv", lambda: _big_csv(24), 16, "parse_memory", "needs more memory"),
    (
        "zip_over_memory",
        "bundle.zip",
        lambda: _zip({"projects.csv": _big_csv(12)}),
        16,
        "parse_memory",
        "(16 MB)",
    ),
]


@pytest.mark.parametrize(
    ("case", "name", "build", "memory", "rule", "words"), HOSTILE, ids=[h[0] for h in HOSTILE]
)
def test_hostile_file_dies_in_the_child_not_the_server(
    store: Store,
    limits: object,
    case: str,
    name: str,
    build: Callable[[], bytes],
    memory: int,
    rule: str,
    words: str,
) -> None:
    data = build()
    limits(memory=memory)  # type: ignore[operator]
    before = tree_digest(Path(store.uri))
    outcome = ingest(store, name, data, as_of=WEEK, user_email="pm@example.org")
    assert outcome.status == REJECTED
    issue = outcome.report.errors()[0]
    assert issue.rule == rule, issue
    assert words in issue.message and issue.file == name
    assert "Traceback" not in outcome.report.to_text()
    assert tree_digest(Path(store.uri)) == before


def test_default_limits_refuse_before_reading_with_the_far_cell(store: Store) -> None:
    outcome = ingest(store, "extract.xlsx", xlsx_far_cell(), as_of=WEEK)
    issue = outcome.report.errors()[0]
    assert (issue.rule, issue.sheet) == ("sheet_too_large", "Projects")
    assert "Sheet 'Projects' has a cell at XFD1048576" in issue.message
    assert "delete the empty rows and columns beyond your data" in issue.message


def _weekly_files() -> list[tuple[str, bytes]]:
    rows = [
        project(f"P{i}", budget_bac=1000 * i, status_summary=f"Week note {i}; ünïcode") for i in range(1, 40)
    ]
    milestones = [
        {
            "project_id": "P1",
            "milestone_id": f"M{i}",
            "milestone_name": f"Gate {i}",
            "baseline_date": "2026-03-02",
            "forecast_date": "2026-03-09",
        }
        for i in range(5)
    ]
    csv = projects_csv(*(project_row(f"P{i}") for i in range(1, 60)))
    return [
        ("weekly.xlsx", templates.filled_workbook({"projects": rows, "milestones": milestones})),
        ("projects.csv", csv),
        ("semicolon.csv", csv.replace(b",", b";").replace(b"1000000", b"1000000,50")),
        ("semicolon_thousands.csv", csv.replace(b",", b";").replace(b"1000000", b"283.000")),
        ("utf16.csv", b"\xff\xfe" + csv.decode().replace("P1,", "Pé1,").encode("utf-16-le")),
        ("titled.csv", b"Projects export\n\n" + csv),
        (
            "bundle.zip",
            _zip({"projects.csv": csv, "more/milestones.csv": b"project_id,milestone_id\nP1,M1\n"}),
        ),
    ]


@pytest.mark.parametrize(("name", "data"), _weekly_files(), ids=[f[0] for f in _weekly_files()])
def test_child_reads_a_normal_upload_exactly_like_in_process(
    name: str, data: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    here = readers.read_upload(name, data)
    mapped: list[int] = []
    real = isolate._mapped
    monkeypatch.setattr(isolate, "_mapped", lambda spans, fd: mapped.append(len(spans)) or real(spans, fd))
    there = isolate.read_upload(name, data)
    assert mapped == [len(here)]  # the sheets came back through the shared file, not the pipe
    assert len(there) == len(here) > 0
    for a, b in zip(here, there, strict=True):
        assert (a.file, a.sheet, a.headers, a.header_row, a.decimal_comma, a.ambiguous_numbers) == (
            b.file,
            b.sheet,
            b.headers,
            b.header_row,
            b.decimal_comma,
            b.ambiguous_numbers,
        )
        assert a.data.equals(b.data) and a.rows.equals(b.rows)
        assert a.data.num_rows > 0
    del there, a, b  # the last reference to the mapping (which holds a descriptor of its own)
    gc.collect()
    assert _memfds() == _spare_fds()  # the child's two files are closed


def test_concurrent_uploads_each_get_their_own_child() -> None:
    from concurrent.futures import ThreadPoolExecutor

    name, data = _weekly_files()[1]
    expected = readers.read_upload(name, data)[0].data
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: isolate.read_upload(name, data), range(4)))
    assert all(r[0].data.equals(expected) for r in results)


def test_normal_upload_is_accepted_through_the_child(store: Store) -> None:
    outcome = ingest(store, "weekly.xlsx", _weekly_files()[0][1], as_of=WEEK, user_email="pm@example.org")
    assert outcome.status == ACCEPTED, outcome.report.to_text()


def test_rejection_inside_the_child_comes_back_whole() -> None:
    with pytest.raises(RejectedFile) as info:
        isolate.read_upload("bundle.zip", _zip({"../../etc/evil.csv": b"a\n1\n"}))
    assert info.value.issue.rule == "unsafe_zip_path" and info.value.issue.file == "bundle.zip"


# ------------------------------------------------- greedy functions (tests/hostile_files.py) in the child


# (function, limits, rule, words)
GREEDY = [
    ("eat_memory", isolate.Limits(memory_mb=64, cpu_seconds=20), "parse_memory", "(64 MB)"),
    ("eat_arrow_memory", isolate.Limits(memory_mb=64, cpu_seconds=20), "parse_memory", "(64 MB)"),
    (
        "burn_cpu",
        isolate.Limits(memory_mb=500, cpu_seconds=1),
        "parse_time",
        "more than 1 seconds of processing",
    ),
    ("abort", isolate.Limits(memory_mb=500, cpu_seconds=20), "parse_crashed", "SIGABRT"),
    ("segfault", isolate.Limits(memory_mb=500, cpu_seconds=20), "parse_crashed", "SIGSEGV"),
]


@pytest.fixture(params=["forked", "alone"])
def how_started(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The child forked by the fork server (the app's way), or started alone (the CLI's)."""
    if request.param == "alone":
        monkeypatch.setattr(isolate, "_FORK", False)
    elif not isolate._FORK:
        pytest.skip("the fork server needs Linux (memfd_create, pidfd_open)")
    return str(request.param)


@pytest.mark.parametrize(("function", "limits_", "rule", "words"), GREEDY, ids=[g[0] for g in GREEDY])
def test_child_limits_are_enforced_by_the_os(
    function: str, limits_: isolate.Limits, rule: str, words: str, how_started: str
) -> None:
    with pytest.raises(RejectedFile) as info:
        isolate.run(f"{HERE}:{function}", file="f.csv", limits=limits_)
    assert info.value.issue.rule == rule, info.value.issue
    assert words in info.value.issue.message and info.value.issue.file == "f.csv"


def _memfds() -> set[int]:
    """This process's descriptors of the parse children's shared files."""
    found = set()
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):
            if os.readlink(f"/proc/self/fd/{fd}").startswith("/memfd:epmo-"):
                found.add(int(fd))
    return found


def _spare_fds() -> set[int]:
    spare = isolate._spare
    return {fd for fd in (spare.data_fd, spare.out_fd) if fd is not None} if spare else set()


# (function run in the child, limits, rule, words of the message): the hand-over of the
# answer through shared memory broken every way; each is refused and leaves no descriptor.
HANDOVER = [
    (
        "die_mid_handover",
        isolate.Limits(memory_mb=500, cpu_seconds=20),
        "parse_killed",
        "stopped by the operating system",
    ),
    ("answer_bigger_than_memory", isolate.Limits(memory_mb=64, cpu_seconds=20), "parse_memory", "(64 MB)"),
    (
        "leave_writer_behind",
        isolate.Limits(memory_mb=500, cpu_seconds=20),
        "parse_crashed",
        "damaged reply",
    ),
]


@pytest.mark.parametrize(("function", "limits_", "rule", "words"), HANDOVER, ids=[h[0] for h in HANDOVER])
def test_a_broken_handover_is_refused_and_leaks_nothing(
    function: str, limits_: isolate.Limits, rule: str, words: str
) -> None:
    with pytest.raises(RejectedFile) as info:
        isolate.run(f"{HERE}:{function}", file="f.csv", limits=limits_)
    assert info.value.issue.rule == rule and words in info.value.issue.message, info.value.issue
    assert _memfds() == _spare_fds()


def test_the_same_answer_whole_comes_back_in_place() -> None:
    """The control of the cases above: the same sheet, answered whole, is read back without
    a copy (its cells lie in the shared file, mapped read-only)."""
    (sheet,) = isolate.run(
        f"{HERE}:one_sheet", file="f.csv", limits=isolate.Limits(memory_mb=500, cpu_seconds=20)
    )
    assert sheet.data.num_rows == 1000 and sheet.data["c0"][0].as_py() == "x" * 1000
    assert sheet.rows.to_pylist() == list(range(2, 1002))
    del sheet
    gc.collect()
    assert _memfds() == _spare_fds()


def test_a_child_that_hangs_is_killed_at_the_deadline(how_started: str) -> None:
    limits = isolate.Limits(memory_mb=500, cpu_seconds=20, wall=3)
    with pytest.raises(RejectedFile) as info:
        isolate.run(f"{HERE}:sleep_forever", file="f.csv", limits=limits)
    assert info.value.issue.rule == "parse_time" and "3 seconds" in info.value.issue.message


# ------------------------------------------------- work-item importers (Jira, flow tools) in the child


def _big_jira(mb: float) -> bytes:
    """A Jira CSV export with long summaries: about `mb` MB, detected as jira_csv."""
    body = _hex_text(mb)
    lines = [body[i : i + 10_000] for i in range(0, len(body), 10_000)]
    return b"Issue key,Summary,Status\n" + b"".join(
        b"PAY-%d,%s,Open\n" % (i, line) for i, line in enumerate(lines, 1)
    )


def _big_history(mb: float) -> bytes:
    body = _hex_text(mb)
    lines = [body[i : i + 10_000] for i in range(0, len(body), 10_000)]
    return b"Issue key,Summary,From Status,To Status,Timestamp\n" + b"".join(
        b"PAY-%d,%s,To Do,In Progress,2026-03-02\n" % (i, line) for i, line in enumerate(lines, 1)
    )


JIRA = (FIX / "jira_cloud_all_fields.csv").read_bytes()
HISTORY = (FIX / "jira_status_history.csv").read_bytes()


# (case, the export, the options) -- the export or its status history over a 16 MB limit
JIRA_OVER_MEMORY = [
    ("export_over_memory", lambda: _big_jira(12), None),
    (
        "history_over_memory",
        lambda: JIRA,
        lambda: WorkItemImport(workflow=PAY, history=("h.csv", _big_history(12))),
    ),
]


@pytest.mark.parametrize(("case", "build", "opts"), JIRA_OVER_MEMORY, ids=[c[0] for c in JIRA_OVER_MEMORY])
def test_jira_export_over_the_memory_limit_dies_in_the_child(
    store: Store,
    limits: object,
    case: str,
    build: Callable[[], bytes],
    opts: Callable[[], WorkItemImport] | None,
) -> None:
    data = build()
    assert importers.sniff_layout("jira.csv", data) == "jira_csv"
    work_items = opts() if opts else None
    limits(memory=16)  # type: ignore[operator]
    before = tree_digest(Path(store.uri))
    outcome = ingest(store, "jira.csv", data, as_of=WEEK, user_email="pm@example.org", work_items=work_items)
    assert outcome.status == REJECTED
    issue = outcome.report.errors()[0]
    assert issue.rule == "parse_memory", issue
    assert "needs more memory than an upload may use (16 MB)" in issue.message and issue.file == "jira.csv"
    assert "Traceback" not in outcome.report.to_text()
    assert tree_digest(Path(store.uri)) == before


def _imports() -> list[tuple[str, tuple[object, ...]]]:
    bad = b"Key,Summary,Status,Created\nX-1,Thing,Pondering,tomorrow\n,No key,Open,\n"
    return [
        ("jira_with_history", ("export.csv", JIRA, PAY, None, None, ("history.csv", HISTORY))),
        (
            "old_server_cp1252",
            ("ops.csv", _old_server_export(), Workflow(project_keys={"OPS": "P2"})),
        ),
        ("stage_dates", ("cra.csv", (FIX / "cra_stages_sample.csv").read_bytes(), CRA_WF)),
        ("status_history", ("history.csv", HISTORY, PAY, "status_history")),
        ("issues_in_cells", ("f.csv", bad, None)),
    ]


@pytest.mark.parametrize(("case", "args"), _imports(), ids=[c[0] for c in _imports()])
def test_child_imports_work_items_exactly_like_in_process(case: str, args: tuple[object, ...]) -> None:
    here = importers.import_work_items(*args)  # type: ignore[arg-type]
    there = isolate.import_work_items(*args)  # type: ignore[arg-type]
    assert there == here
    assert there.rows or there.issues
    if case == "issues_in_cells":
        assert {i.rule for i in there.issues} >= {
            "import_unknown_status",
            "import_not_a_date",
            "import_missing_key",
        }


def test_importer_refusal_in_the_child_comes_back_whole() -> None:
    with pytest.raises(RejectedFile) as info:
        isolate.import_work_items("f.csv", b"a,b\n1,2\n", None, project_id="P1")
    assert info.value.issue.rule == "import_unknown_layout" and info.value.issue.file == "f.csv"
    with pytest.raises(ValueError, match="unknown layout 'xml'"):  # the caller's mistake, no child
        isolate.import_work_items("f.csv", JIRA, None, layout="xml")


# (function, limits, rule, words): greedy, crashing and lying importers run in the child
IMPORTER_GREEDY = [
    ("eat_memory", isolate.Limits(memory_mb=64, cpu_seconds=20), "parse_memory", "(64 MB)"),
    ("segfault", isolate.Limits(memory_mb=500, cpu_seconds=20), "parse_crashed", "SIGSEGV"),
    (
        "importer_wrong_layout",
        isolate.Limits(memory_mb=500, cpu_seconds=20),
        "parse_crashed",
        "damaged reply",
    ),
    (
        "importer_bad_severity",
        isolate.Limits(memory_mb=500, cpu_seconds=20),
        "parse_crashed",
        "damaged reply",
    ),
    ("sleep_forever", isolate.Limits(memory_mb=500, cpu_seconds=20, wall=2), "parse_time", "2 seconds"),
]


@pytest.mark.parametrize(
    ("function", "limits_", "rule", "words"), IMPORTER_GREEDY, ids=[g[0] for g in IMPORTER_GREEDY]
)
def test_greedy_or_lying_importer_is_reported_not_raised(
    function: str, limits_: isolate.Limits, rule: str, words: str
) -> None:
    with pytest.raises(RejectedFile) as info:
        isolate.run_import(f"{HERE}:{function}", "jira.csv", JIRA, PAY, file="jira.csv", limits=limits_)
    assert info.value.issue.rule == rule, info.value.issue
    assert words in info.value.issue.message and info.value.issue.file == "jira.csv"


# ------------------------------------------------- the workbook extent check, bulk vs tag by tag


def _odd_forms() -> list[tuple[str, bytes]]:
    """Workbooks in the usual form and in others (prefixes, no references, single quotes)."""
    usual = "".join(
        f'<row r="{i}">' + "".join(f'<c r="{col}{i}" t="s"><v>{i % 3}</v></c>' for col in "ABC") + "</row>"
        for i in range(1, 200)
    )
    return [
        ("usual", xlsx(usual, dimension="A1:C199", shared=["a", "bb", "ccc"])),
        (
            "usual_far",
            xlsx(usual + '<row r="900000"><c r="ZZ900000" t="s"><v>1</v></c></row>', shared=["a", "b"]),
        ),
        ("prefixed", xlsx('<x:row r="1"><x:c r="XFD1" t="s"><x:v>0</x:v></x:c></x:row>', shared=["a"])),
        ("single_quotes", xlsx("<row r='1'><c r='AAA200000' t='s'><v>0</v></c></row>", shared=["a"])),
        ("no_references", xlsx("<row>" + "<c><v>1</v></c>" * 1200 + "</row>")),
        (
            "index_past_strings",
            xlsx(usual + '<row r="300"><c r="A300" t="s"><v>99</v></c></row>', shared=["x" * 10]),
        ),
        ("huge_shared", xlsx_huge_shared_string(0.2, 3000)),
    ]


EXPECTED = {  # with max_sheet_text_mb = 400; with 0.0005 the "ok" ones repeat too much text
    "usual": "ok",
    "usual_far": "has a cell at ZZ900000",
    "prefixed": "has a cell at XFD1:",
    "single_quotes": "has a cell at AAA200000",
    "no_references": "has a cell at ALM1",
    "index_past_strings": "ok",
    "huge_shared": "used by 3,000 cells, for example A2",
}


@pytest.mark.parametrize(("case", "data"), _odd_forms(), ids=[c[0] for c in _odd_forms()])
@pytest.mark.parametrize("text_mb", [0.0005, 400])
def test_bulk_measure_agrees_with_tag_by_tag(
    case: str, data: bytes, text_mb: float, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "settings.toml"
    path.write_text(f"[limits]\nmax_sheet_text_mb = {text_mb}\n")
    monkeypatch.setenv("EPMO_SETTINGS", str(path))
    settings.settings.cache_clear()
    try:
        outcomes = []
        for bulk in (True, False):
            if not bulk:
                monkeypatch.setattr(readers._SheetScan, "fast", lambda self, buf, cut: False)
            zf = zipfile.ZipFile(io.BytesIO(data))
            try:
                readers.check_workbook_extent("x.xlsx", zf, zf.infolist())
                outcomes.append("ok")
            except RejectedFile as exc:
                outcomes.append(exc.issue.message)
        assert outcomes[0] == outcomes[1]
        expected = EXPECTED[case] if text_mb > 1 or EXPECTED[case] != "ok" else "repeats long texts"
        assert expected in outcomes[0]
    finally:
        monkeypatch.delenv("EPMO_SETTINGS")
        settings.settings.cache_clear()


_USUAL_CELL = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"[\s/>]')  # the usual cell form


def _cells_by_regex(buf: bytes, cut: int) -> tuple[object, ...] | None:
    """The reference for readers._usual_cells: the regex scan it replaced (one Python object
    per cell), with its checks for cells written in another form."""
    rare = (b"<c>", b"<c/", b"<c\t", b"<c\n", b"<c\r")
    if buf.count(b"<c", 0, cut) != buf.count(b"<c ", 0, cut) and any(buf.count(r, 0, cut) for r in rare):
        return None
    cells = _USUAL_CELL.findall(buf, 0, cut)
    if len(cells) != buf.count(b"<c ", 0, cut):
        return None
    s_values = buf.count(b'"s"', 0, cut) + buf.count(b"'s'", 0, cut)
    if not cells:
        return (0, 0, "", 0, "", 0, 0, s_values)
    row = max(int(d) for _, d in cells)
    col = max(readers._column_number(c) for c, _ in cells)
    row_ref = next(c + d for c, d in reversed(cells) if int(d) == row).decode()
    col_ref = next(c + d for c, d in cells if readers._column_number(c) == col).decode()
    last = (int(cells[-1][1]), readers._column_number(cells[-1][0]))
    return (len(cells), row, row_ref, col, col_ref, *last, s_values)


def _random_cells(rng: random.Random) -> bytes:
    """A run of worksheet XML: mostly usual cells, with each odd form a scan must not miss."""
    parts = []
    for _ in range(rng.randrange(0, 40)):
        letters = "".join(rng.choice("ABCXYZ") for _ in range(rng.choice([1, 1, 2, 3])))
        digits = str(rng.choice([1, 9, 10, 99999, 1048576, 9999999]))
        after = rng.choice([">", " ", "/", "\n", "\x0b"])
        odd = rng.random() < 0.15
        form = rng.choice(
            [
                f'<c r="{letters.lower()}{digits}">',  # lower case
                f'<c r="ABCD{digits}">',  # four letters
                f'<c r="{letters}12345678">',  # eight digits
                f'<c r="{letters}">',  # no row
                f'<c r="{digits}">',  # no column
                f'<c r="0{letters}{digits}">',
                f"<c r='{letters}{digits}'>",  # single quotes
                f'<c t="s" r="{letters}{digits}">',  # r not first
                f'<c\tr="{letters}{digits}">',
                "<c>",
                "<c/>",
                f'<c r="{letters}{digits}"x>',
                f'<c r="{letters}0{digits}">',  # a leading zero: a usual cell
                '<col min="1" max="3"/>',  # not a cell
                '<cfRule type="x"/>',
                '<c r="A1" t="s"s"s">',  # overlapping "s"
            ]
        )
        usual = f'<c r="{letters}{digits}"{after}' + (
            't="s"><v>0</v></c>' if after != ">" else "<v>1</v></c>"
        )
        parts.append(form if odd else usual)
        if rng.random() < 0.1:
            parts.append(f'</row><row r="{digits}">')
    return "".join(parts).encode()


def test_the_vectorised_cell_scan_agrees_with_the_regex_scan() -> None:
    rng = random.Random(20261130)
    seen = {"usual": 0, "other form": 0}
    for _ in range(1000):
        buf = _random_cells(rng)
        cut = len(buf) if rng.random() < 0.7 else rng.randrange(0, len(buf) + 1)
        expected = _cells_by_regex(buf, cut)
        got = readers._usual_cells(buf, cut)
        seen["other form" if expected is None else "usual"] += 1
        if expected is None or got is None:
            assert got is None and expected is None, (buf[:cut], got, expected)
            continue
        as_tuple = (
            got.count,
            got.far_row,
            got.far_row_ref,
            got.far_col,
            got.far_col_ref,
            got.last_row,
            got.last_col,
        )
        assert as_tuple == expected[:7], (buf[:cut], got, expected)
        # an overlapping "s"s" is counted twice: more values than t="s" cells, so the bulk
        # measure gives way to the exact scan (never the other way round)
        assert got.s_values >= expected[7]
        assert got.s_values == expected[7] or b'"s"s"' in buf[:cut]
    assert min(seen.values()) > 200, seen  # both kinds were exercised


@pytest.mark.parametrize("refused", [False, True], ids=["read", "refused"])
@pytest.mark.parametrize("collector_on", [True, False], ids=["collector_on", "collector_off"])
def test_a_workbook_read_pauses_the_cycle_collector_and_restores_it(
    refused: bool, collector_on: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    cells = '<c r="A{0}" t="s"><v>0</v></c><c r="B{0}" t="s"><v>1</v></c>'
    data = xlsx("".join(f'<row r="{i}">{cells.format(i)}</row>' for i in (1, 2)), shared=["a", "b"])
    during: list[bool] = []
    real = readers._sheet_from_rows

    def convert(file: str, sheet: str, rows: list[list[object]]) -> readers.RawSheet | None:
        during.append(gc.isenabled())
        if refused:
            raise readers._reject(file, "unreadable_sheet", "refused on purpose", sheet=sheet)
        return real(file, sheet, rows)

    monkeypatch.setattr(readers, "_sheet_from_rows", convert)
    (gc.enable if collector_on else gc.disable)()
    try:
        with contextlib.ExitStack() as stack:
            if refused:
                stack.enter_context(pytest.raises(RejectedFile))
            sheets = readers.read_upload("w.xlsx", data, 10)
            assert sheets[0].data.num_rows == 1
        assert during == [False]
        assert gc.isenabled() is collector_on
    finally:
        gc.enable()


def test_prestart_readies_the_child_the_next_upload_takes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(isolate, "_one_shot", False)  # an in-process CLI test may have set it
    monkeypatch.setattr(isolate, "_FORK", False)  # without the fork server: a spare child
    isolate._stop_spare()
    isolate.prestart()
    spare = isolate._spare
    assert spare is not None and spare.proc.poll() is None
    isolate.prestart()  # one spare at a time
    assert isolate._spare is spare
    taken: list[object] = []
    real = isolate._take_child
    monkeypatch.setattr(isolate, "_take_child", lambda: taken.append(real()) or taken[-1])
    name, data = _weekly_files()[1]
    assert isolate.read_upload(name, data)[0].data.num_rows > 0
    assert taken == [spare]


# ------------------------------------------------- the fork server


def _facts(limits: isolate.Limits | None = None) -> dict[str, str]:
    """What the parse child says it is (tests/hostile_files.py:whoami)."""
    (sheet,) = isolate.run(
        f"{HERE}:whoami", file="f.csv", limits=limits or isolate.Limits(memory_mb=500, cpu_seconds=20)
    )
    return dict(zip(sheet.data["c0"].to_pylist(), sheet.data["c1"].to_pylist(), strict=True))


@pytest.fixture
def no_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No fork server and no spare to begin with, none left after."""
    if not isolate._FORK:
        pytest.skip("the fork server needs Linux (memfd_create, pidfd_open)")
    monkeypatch.setattr(isolate, "_one_shot", False)  # an in-process CLI test may have set it
    isolate._stop_spare()
    monkeypatch.setattr(isolate, "_server_failures", 0)
    yield
    isolate._stop_spare()


def test_each_upload_is_a_new_child_forked_from_the_fork_server(no_server: None) -> None:
    isolate.prestart()
    server = isolate._server
    assert server is not None and server.alive() and isolate._spare is None
    first = _facts()
    second = _facts(isolate.Limits(memory_mb=300, cpu_seconds=7))
    assert isolate._server is server and server.alive()
    # two processes, neither the fork server; each child's parent is its waiter, whose
    # parent is the fork server
    assert first["pid"] != second["pid"]
    assert server.proc.pid not in {int(first["pid"]), int(first["ppid"]), int(second["pid"])}
    # each child's limits are its own, its CPU counted from zero
    assert 20 <= int(first["cpu_limit"]) <= 21 and 7 <= int(second["cpu_limit"]) <= 8, (first, second)
    assert float(first["cpu_used"]) < 1 and float(second["cpu_used"]) < 1
    # address space: what it maps (the answer's file, sized to the limit, among it) + the limit
    assert abs(int(first["as_limit"]) - int(second["as_limit"]) - 2 * 200 * 2**20) < 32 * 2**20
    # one thread, and nothing of the fork server's: no socket, only its pipes and its reply
    assert first["threads"] == "1", first
    # but Arrow's pool may use every core the child may run on (the fork server's
    # OMP_NUM_THREADS=1, meant for OpenBLAS, had sized it to one: a parse on one core)
    assert first["arrow_threads"] == str(len(os.sched_getaffinity(0))), first
    assert "socket:" not in first["fds"] and "socket:" not in second["fds"], first["fds"]
    # the same answer as a child started alone
    name, data = _weekly_files()[1]
    forked = isolate.read_upload(name, data)
    assert isolate._server is server
    isolate._FORK = False
    try:
        alone = isolate.read_upload(name, data)
    finally:
        isolate._FORK = True
    assert [s.data.equals(t.data) and s.rows.equals(t.rows) for s, t in zip(forked, alone, strict=True)] == [
        True
    ] * len(alone)


def test_a_fork_server_that_dies_is_started_again(no_server: None) -> None:
    isolate.prestart()
    server = isolate._server
    assert server is not None
    server.proc.kill()
    server.proc.wait()
    facts = _facts()
    again = isolate._server
    assert again is not None and again is not server and again.alive()
    assert isolate._server_failures == 0
    assert int(facts["ppid"]) != os.getpid()  # forked by the new one, not started here


def test_a_fork_server_holding_a_second_thread_refuses_and_uploads_go_on(
    no_server: None, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The threshold: a fork server with a second thread (jemalloc's background thread
    here) must not fork. It refuses; after two refusals in a row this process starts each
    child alone, and the uploads are read all the same."""
    monkeypatch.setattr(
        isolate, "_FORK_ENV", isolate._FORK_ENV | {"JE_ARROW_MALLOC_CONF": "background_thread:true"}
    )
    facts = _facts()
    assert int(facts["ppid"]) == os.getpid()  # a child of this process
    assert isolate._server is None and isolate._server_failures == isolate._MAX_SERVER_FAILURES
    assert caplog.text.count("refused to serve") == isolate._MAX_SERVER_FAILURES, caplog.text
    isolate.prestart()
    facts = _facts()
    assert isolate._server is None and int(facts["ppid"]) == os.getpid()  # not tried again
