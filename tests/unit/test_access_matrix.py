"""The role x action table of docs/security.md, cell by cell, against the operations.

The table is parsed from the document (so the document and the code cannot drift): it must
equal epmo.access.MATRIX, and every cell runs the real operation as an identity of that role
on a store whose access list names one person per role. Allowed: the operation succeeds.
Refused: it raises Forbidden (or the command line exits 2 saying "refused") and the store
does not change.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from epmo import access
from epmo.cli import main
from epmo.ingest import ACCEPTED, REJECTED, ingest
from epmo.store import Store
from tests.conftest import WEEK, project_row, projects_csv, tree_digest

DOC = Path(__file__).resolve().parents[2] / "docs" / "security.md"
PEOPLE = {role: f"{role}@example.org" for role in access.ROLES}


def doc_table() -> dict[str, dict[str, str]]:
    text = DOC.read_text(encoding="utf-8")
    block = re.search(r"<!-- access-matrix:start -->\n(.*?)\n<!-- access-matrix:end -->", text, re.S)
    assert block, "docs/security.md lost its access-matrix block"
    lines = [ln for ln in block.group(1).splitlines() if ln.startswith("|")]
    header = [c.strip() for c in lines[0].strip("|").split("|")]
    assert header[2:] == list(access.ROLES), header
    table: dict[str, dict[str, str]] = {}
    for line in lines[2:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        table[cells[0].strip("`")] = dict(zip(header[2:], cells[2:], strict=True))
    return table


CELLS = [(action, role, cell) for action, row in doc_table().items() for role, cell in row.items()]


def test_the_document_is_the_code() -> None:
    assert doc_table() == access.MATRIX
    assert set(doc_table()) == set(access.ACTIONS)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """A store with two projects (P1 managed by the pm, P2 by someone else) and an access
    list naming one person per role (the pm keeps team Alpha's capacity)."""
    root = tmp_path_factory.mktemp("matrix")
    store = Store(str(root / "store"))
    store.ensure()
    data = projects_csv(
        project_row("P1", project_manager=PEOPLE["pm"]),
        project_row("P2", portfolio="Other", project_manager="other@example.org"),
    )
    assert ingest(store, "seed.csv", data, as_of=WEEK).status == ACCEPTED
    boot = access.demo_identity(via="cli")
    for role, email in PEOPLE.items():
        access.grant(store, boot, email, role, teams=["Alpha"] if role == "pm" else [])
    return {"store": store, "root": root}


def who(store: Store, role: str) -> access.Identity:
    return access.cli_identity(store, PEOPLE[role])


def cli(store: Store, role: str, *argv: str) -> int:
    return main([*argv, "--store", store.uri, "--as", PEOPLE[role]])


def _csv(root: Path, name: str, body: bytes) -> Path:
    path = root / name
    path.write_bytes(body)
    return path


def probe(action: str, role: str, world: dict[str, object], tmp_path: Path) -> bool:
    """Run the operation behind `action` as `role`; True when it was done, False when refused."""
    store = world["store"]
    assert isinstance(store, Store)
    identity = who(store, role)
    try:
        if action == "view":
            scoped = access.store_for(store, identity)
            return bool(scoped.rows("ledger/reporting_weeks"))
        if action == "export":
            return (
                cli(store, role, "export", "projects", "--as-of", str(WEEK), "--out", str(tmp_path / "p.csv"))
                == 0
            )
        if action == "upload":
            body = projects_csv(
                project_row(
                    "P1", project_manager=PEOPLE["pm"], actual_cost=str(410000 + access.ROLES.index(role))
                )
            )
            out = ingest(store, f"p1_{role}.csv", body, as_of=WEEK + dt.timedelta(days=7), identity=identity)
            return out.status == ACCEPTED
        if action == "explore":
            return cli(store, role, "sql", "SELECT count(*) AS n FROM projects", "--as-of", str(WEEK)) == 0
        if action in ("model", "scenario", "deck", "decision"):
            kind = {
                "model": "scoring_model",
                "scenario": "capacity_scenario",
                "deck": "deck",
                "decision": "decision",
            }[action]
            access.save_document(store, identity, kind, f"{action}-{role}", json.dumps({"x": 1}))
            return True
        if action == "data_quality":
            return cli(store, role, "check") == 0
        if action == "retract":
            body = projects_csv(
                project_row(
                    "P9", project_manager="other@example.org", actual_cost=str(100 + access.ROLES.index(role))
                )
            )
            seeded = ingest(store, f"p9_{role}.csv", body, as_of=WEEK)
            assert seeded.status == ACCEPTED
            access.retract(store, identity, seeded.upload_id, "matrix test")
            return True
        if action == "access":
            access.grant(store, identity, f"new.{role}@example.org", "viewer")
            return True
        if action == "maintain":
            return cli(store, role, "maintain") == 0
        if action == "audit":
            return cli(store, role, "export", "audit", "--out", str(tmp_path / "a.csv")) == 0
    except access.Forbidden:
        return False
    raise AssertionError(f"no probe for {action}")


@pytest.mark.parametrize(("action", "role", "cell"), CELLS, ids=[f"{a}-{r}" for a, r, _ in CELLS])
def test_cell(action: str, role: str, cell: str, world: dict[str, object], tmp_path: Path) -> None:
    store = world["store"]
    assert isinstance(store, Store)
    before = tree_digest(Path(store.uri))
    done = probe(action, role, world, tmp_path)
    if cell == access.REFUSED:
        assert not done, f"{role} could {action}"
        if action not in ("retract",):  # the retract probe stores its own upload first
            assert tree_digest(Path(store.uri)) == before, f"refused {action} by {role} changed the store"
    else:
        assert done, f"{role} could not {action}"


@pytest.mark.parametrize(
    ("pid", "manager", "refused"),
    [
        ("P1", PEOPLE["pm"], False),
        ("P1", PEOPLE["pm"].upper(), False),  # the same address
        ("P1", "pm.typo@example.org", True),  # their own project to a mistyped address
        ("P1", "other@example.org", True),  # to a colleague: an admin's act
        ("P-NEW", PEOPLE["pm"], False),
        ("P-NEW", "other@example.org", True),  # a new project for someone else
    ],
)
def test_a_pm_may_not_hand_a_project_to_another_manager_by_upload(
    world: dict[str, object], pid: str, manager: str, refused: bool
) -> None:
    """A pm's projects row naming someone else as manager was accepted with a warning; the
    project then left them (their corrected file refused) and a mistyped address owned it."""
    from epmo.ingest import check_upload

    store = world["store"]
    assert isinstance(store, Store)
    pm, week = who(store, "pm"), WEEK + dt.timedelta(days=21)
    body = projects_csv(project_row(pid, project_manager=manager))
    checked = check_upload(store, "mine.csv", body, as_of=week, managers=True)
    assert checked.status == "valid", checked.report.to_text()
    issues = access.upload_refusals(
        pm, checked.tables, checked.managers or {}, "mine.csv", checked.portfolios
    )
    found = [i for i in issues if i.rule == "not_yours_to_hand_over"]
    if not refused:
        assert issues == []
        return
    assert [(i.row, i.column, i.value) for i in found] == [(2, "project_manager", manager)], issues
    assert "ask an EPMO admin to reassign" in found[0].message and len(issues) == 1
    before = tree_digest(Path(store.uri))
    out = ingest(store, "mine.csv", body, as_of=week, identity=pm)  # the app's and CLI's path
    assert out.status == REJECTED and "not_yours_to_hand_over" in {i.rule for i in out.report.issues}
    assert tree_digest(Path(store.uri)) == before


def test_own_projects_cell_refuses_someone_elses_project_row_by_row(world: dict[str, object]) -> None:
    """The pm's "own projects" cell: their project and a new id pass; another PM's project
    is refused with the reason on its row, and nothing of the file is stored."""
    store = world["store"]
    assert isinstance(store, Store)
    pm = who(store, "pm")
    before = tree_digest(Path(store.uri))
    body = projects_csv(
        project_row("P1", project_manager=PEOPLE["pm"]),
        project_row("P2", portfolio="Other", project_manager="other@example.org", budget_bac="99000000"),
        project_row("P-NEW", project_manager=PEOPLE["pm"]),
    )
    out = ingest(store, "mixed.csv", body, as_of=WEEK + dt.timedelta(days=14), identity=pm)
    assert out.status == REJECTED
    refused = [i for i in out.report.issues if i.rule == "not_your_project"]
    assert [(i.row, i.value) for i in refused] == [(3, "P2")]
    assert "managed by another project manager" in refused[0].message
    assert tree_digest(Path(store.uri)) == before
    # the same from the command line
    path = Path(store.uri).parent / "mixed.csv"
    path.write_bytes(body)
    code = main(
        [
            "ingest",
            str(path),
            "--as-of",
            str(WEEK + dt.timedelta(days=14)),
            "--store",
            store.uri,
            "--as",
            PEOPLE["pm"],
        ]
    )
    assert code == 2
    assert tree_digest(Path(store.uri)) == before


def test_pm_capacity_only_for_their_teams(world: dict[str, object]) -> None:
    store = world["store"]
    assert isinstance(store, Store)
    pm = who(store, "pm")
    header = "team,role,period_start,available_hours\n"
    ok = ingest(
        store, "cap_ok.csv", (header + "Alpha,Developer,2026-12-07,40\n").encode(), as_of=WEEK, identity=pm
    )
    assert ok.status == ACCEPTED, ok.report.to_text()
    bad = ingest(
        store, "cap_bad.csv", (header + "Beta,Developer,2026-12-07,40\n").encode(), as_of=WEEK, identity=pm
    )
    assert bad.status == REJECTED
    assert [i.rule for i in bad.report.issues] == ["not_your_team"]
    assert bad.report.issues[0].value == "Beta"


def test_admin_reassigns_a_project_and_the_rule_follows(world: dict[str, object]) -> None:
    store = world["store"]
    assert isinstance(store, Store)
    admin, pm = who(store, "admin"), who(store, "pm")
    access.assign_pm(store, admin, "P2", PEOPLE["pm"], "handover")
    assert "P2" in access.my_projects(store, pm)
    body = projects_csv(project_row("P2", portfolio="Other", project_manager=PEOPLE["pm"]))
    assert ingest(store, "p2.csv", body, as_of=WEEK + dt.timedelta(days=21), identity=pm).status == ACCEPTED
    with pytest.raises(access.Forbidden):
        access.assign_pm(store, pm, "P2", "someone@example.org")
    access.assign_pm(store, admin, "P2", "other@example.org")  # back, for the other tests
    assert "P2" not in access.my_projects(store, pm)


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.events: list[dict[str, object]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.events.append(json.loads(record.getMessage()))


@pytest.fixture
def security_log() -> Iterator[list[dict[str, object]]]:
    lines = _Lines()
    access.SECURITY_LOG.addHandler(lines)
    try:
        yield lines.events
    finally:
        access.SECURITY_LOG.removeHandler(lines)


def test_refused_attempts_are_logged_and_write_nothing(
    world: dict[str, object], security_log: list[dict[str, object]]
) -> None:
    """A refused attempt was in no record at all: a security team could not see who tried
    what. It is a line on the security log (standard error), never a row in the store (a
    refused command writes nothing)."""
    store = world["store"]
    assert isinstance(store, Store)
    before = tree_digest(Path(store.uri))
    assert cli(store, "viewer", "retract", "0" * 32, "--reason", "x") == 2
    body = projects_csv(project_row("P2", portfolio="Other", project_manager="other@example.org"))
    out = ingest(store, "theirs.csv", body, as_of=WEEK + dt.timedelta(days=14), identity=who(store, "pm"))
    assert out.status == REJECTED
    # a page saying why a button is disabled is not an attempt
    assert access._forbidden_text(who(store, "viewer"), "retract") and access.confirm_refusal(
        who(store, "viewer"), "x"
    )
    assert tree_digest(Path(store.uri)) == before
    assert [(e["event"], e["action"], e["email"], e["role"], e["via"]) for e in security_log] == [
        ("refused", "retract", PEOPLE["viewer"], "viewer", "cli"),
        ("refused", "upload", PEOPLE["pm"], "pm", "cli"),
    ]
    assert security_log[1]["detail"] == "theirs.csv: 1 row refused (not_your_project)"
    assert "P2" not in json.dumps(security_log)  # what was refused is not copied into the log


def test_a_scoped_uploader_s_refused_rows_are_logged(
    world: dict[str, object], security_log: list[dict[str, object]]
) -> None:
    """A scoped identity validates on its scope: a row of another portfolio's project is
    refused there (not_in_your_portfolios), and that refusal was not logged."""
    store = world["store"]
    assert isinstance(store, Store)
    scoped = access.Identity(email=PEOPLE["analyst"], role="analyst", via="cli", portfolios=("Corporate",))
    body = b"project_id,milestone_id,milestone_name,baseline_date,forecast_date\nP2,M1,Go-live,2026-05-01,2026-05-01\n"
    out = ingest(
        access.store_for(store, scoped), "ms.csv", body, as_of=WEEK + dt.timedelta(days=14), identity=scoped
    )
    assert out.status == REJECTED and "not_in_your_portfolios" in {i.rule for i in out.report.issues}
    assert [(e["action"], e["email"], e["detail"]) for e in security_log] == [
        ("upload", PEOPLE["analyst"], "ms.csv: rows refused (not_in_your_portfolios)")
    ]


def test_the_security_log_writes_to_the_standard_error_of_the_moment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The handler kept the stderr of its first use: once that was closed (a test's capture,
    an embedding), every later refusal printed a logging error and the line was lost."""
    import io
    import sys

    viewer = access.Identity(email="v@example.org", role="viewer", via="cli")
    for _ in range(2):
        now = io.StringIO()
        monkeypatch.setattr(sys, "stderr", now)
        with pytest.raises(access.Forbidden):
            access.require(viewer, "retract")
        assert '"event": "refused"' in now.getvalue() and "Logging error" not in now.getvalue()
        now.close()
