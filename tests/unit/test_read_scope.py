"""Which projects a scoped identity reads (access/scope_projects), and that it is the same
placement the PM rules use (views/project_owners): one definition of "the portfolio a
project belongs to" and "who manages it".

The store, built once and only read by the cases:
- P1 in Corporate, managed by alice;
- P2 in Other, managed by alice;
- P3 in Other, managed by bob, then reassigned to alice by an admin;
- P4 in Corporate, managed by bob; a later report moves it to Other and is retracted, so it
  is Corporate's again;
- P5 in Other, managed by bob; a later report moves it to Corporate (not retracted).
"""

from __future__ import annotations

import datetime as dt

import pytest

from epmo import access
from epmo.ingest import VALID, ingest
from epmo.store import Store
from tests.conftest import WEEK, project, upload_tables, zip_of

ALICE = "Alice.PM@example.org"
BOB = "bob.pm@example.org"
NEXT = WEEK + dt.timedelta(days=7)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Store:
    store = Store(str(tmp_path_factory.mktemp("scope") / "store"))
    store.ensure()
    upload_tables(
        store,
        WEEK,
        projects=[
            project("P1", project_manager=ALICE),
            project("P2", portfolio="Other", project_manager=ALICE),
            project("P3", portfolio="Other", project_manager=BOB),
            project("P4", project_manager=BOB),
            project("P5", portfolio="Other", project_manager=BOB),
        ],
    )
    moved = upload_tables(store, NEXT, projects=[project("P4", portfolio="Other", project_manager=BOB)])
    upload_tables(store, NEXT, projects=[project("P5", project_manager=BOB)])
    admin = access.demo_identity(via="cli")
    access.retract(store, admin, moved, "sent to the wrong portfolio")
    access.assign_pm(store, admin, "P3", "alice.pm@example.org")
    return store


def _scope_projects(store: Store, portfolios: tuple[str, ...], manager: str | None) -> set[str]:
    con = Store(store.uri, scope=portfolios, manager=manager).connect()
    try:
        return {r[0] for r in con.sql("SELECT project_id FROM scope_projects").fetchall()}
    finally:
        con.close()


# (case, portfolios, manager, the projects read)
CASES = [
    ("Corporate: P1, P4 back after the retraction, P5 moved in", ("Corporate",), None, {"P1", "P4", "P5"}),
    ("Other: P2, P3", ("Other",), None, {"P2", "P3"}),
    ("no portfolio, nobody's projects: nothing", (), None, set()),
    ("alice with no portfolio: her own, P3 by reassignment", (), ALICE, {"P1", "P2", "P3"}),
    ("alice's address in another case and with spaces", (), "  ALICE.pm@EXAMPLE.org ", {"P1", "P2", "P3"}),
    ("alice in Corporate: Corporate's and her own", ("Corporate",), ALICE, {"P1", "P2", "P3", "P4", "P5"}),
    ("bob with no portfolio: P4 and P5, not P3 any more", (), BOB, {"P4", "P5"}),
    ("a manager of nothing", (), "carol@example.org", set()),
]


@pytest.mark.parametrize(
    ("portfolios", "manager", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_the_projects_a_scope_reads(
    world: Store, portfolios: tuple[str, ...], manager: str | None, expected: set[str]
) -> None:
    assert _scope_projects(world, portfolios, manager) == expected


def test_the_scope_and_the_pm_rules_place_every_project_the_same_way(world: Store) -> None:
    managers, portfolios = access.project_owners(world)
    assert portfolios == {
        "P1": "Corporate",
        "P2": "Other",
        "P3": "Other",
        "P4": "Corporate",
        "P5": "Corporate",
    }
    for portfolio in ("Corporate", "Other"):
        assert _scope_projects(world, (portfolio,), None) == {
            p for p, f in portfolios.items() if f == portfolio
        }
    for email in (ALICE, BOB):
        assert _scope_projects(world, (), email) == set(access.managed_by(email, managers))


# (who, role, portfolios, whose own projects they read besides their portfolios)
READERS = [
    (
        "alice, pm in Corporate: P2 and P3 are hers, in Other",
        ALICE,
        "pm",
        ("Corporate",),
        "alice.pm@example.org",
    ),
    ("alice, pm in Other: P1 is hers, in Corporate", ALICE, "pm", ("Other",), "alice.pm@example.org"),
    ("alice, pm of no portfolio", ALICE, "pm", (), "alice.pm@example.org"),
    ("bob, pm in Corporate: P4 and P5 are in it", BOB, "pm", ("Corporate",), None),
    ("bob, pm in Other: P4 and P5 are not", BOB, "pm", ("Other",), BOB),
    ("carol, pm of nothing", "carol@example.org", "pm", ("Corporate",), None),
    ("alice, analyst in Corporate", ALICE, "analyst", ("Corporate",), None),
    ("alice, viewer in Corporate", ALICE, "viewer", ("Corporate",), None),
    ("alice, admin", ALICE, "admin", ("Corporate",), None),
    ("alice, pm of every portfolio", ALICE, "pm", None, None),
]


@pytest.mark.parametrize(
    ("who", "role", "portfolios", "manager"), [r[1:] for r in READERS], ids=[r[0] for r in READERS]
)
def test_a_scoped_project_manager_reads_their_own_projects_outside_their_portfolios(
    world: Store, who: str, role: str, portfolios: tuple[str, ...] | None, manager: str | None
) -> None:
    """Only a scoped pm who manages a project outside their portfolios reads it besides
    them; everyone else scoped to the same portfolios shares one view (and connection)."""
    identity = access.Identity(email=who, role=role, via="cli", portfolios=portfolios)
    assert access.read_manager(identity, access.project_owners(world)) == manager
    assert access.store_for(world, identity).manager == manager


def test_a_scoped_pm_reads_and_reports_their_project_in_another_portfolio(world: Store) -> None:
    """alice reads Corporate; P2 and P3, hers, are in Other. Her store shows them with
    Corporate's, bob's (scoped the same) only Corporate's; and her milestones for P2 are
    validated against P2, not refused as an unknown project."""
    alice = access.Identity(email=ALICE, role="pm", via="cli", portfolios=("Corporate",))
    mine = access.store_for(world, alice)
    con = mine.connect()
    try:
        shown = {r[0] for r in con.sql("SELECT DISTINCT project_id FROM raw_projects").fetchall()}
    finally:
        con.close()
    assert shown == {"P1", "P2", "P3", "P4", "P5"}
    bob = access.Identity(email=BOB, role="pm", via="cli", portfolios=("Corporate",))
    con = access.store_for(world, bob).connect()
    try:
        assert {r[0] for r in con.sql("SELECT DISTINCT project_id FROM raw_projects").fetchall()} == {
            "P1",
            "P4",
            "P5",
        }
    finally:
        con.close()
    milestones = [
        {
            "project_id": "P2",
            "milestone_id": "M1",
            "milestone_name": "Go-live",
            "baseline_date": "2026-12-31",
            "forecast_date": "2026-12-31",
        }
    ]
    outcome = ingest(
        mine,
        "p2.zip",
        zip_of(milestones=milestones),
        as_of=NEXT,
        user_email=ALICE,
        identity=alice,
        dry_run=True,
    )
    assert outcome.status == VALID, outcome.report.to_text(limit=10)


def test_a_scoped_pm_is_told_a_project_outside_their_scope_is_someone_else_s(world: Store) -> None:
    """bob reads Corporate; P2 is alice's, in Other. His milestones for it are refused as
    another manager's project, not as an unknown project."""
    bob = access.Identity(email=BOB, role="pm", via="cli", portfolios=("Corporate",))
    milestones = [
        {
            "project_id": pid,
            "milestone_id": "M1",
            "milestone_name": "Go-live",
            "baseline_date": "2026-12-31",
            "forecast_date": "2026-12-31",
        }
        for pid in ("P4", "P2")
    ]
    outcome = ingest(
        access.store_for(world, bob),
        "b.zip",
        zip_of(milestones=milestones),
        as_of=NEXT,
        identity=bob,
        dry_run=True,
    )
    assert [(i.rule, i.row, i.value) for i in outcome.report.issues if i.severity == "error"] == [
        ("not_your_project", 3, "P2")
    ], outcome.report.to_text(limit=10)


def test_a_pm_s_own_projects_reach_the_explorer_and_a_frozen_deck_and_nothing_else(world: Store) -> None:
    """Connections of their own (the SQL explorer's sandbox, a frozen deck) define the
    scope with the unscoped rows named only for a moment: a view left behind would show
    every project. A scoped pm with their own projects outside: theirs and their
    portfolio's, nothing else, and no access list."""
    from epmo import sandbox, steering

    alice = access.Identity(email=ALICE, role="pm", via="cli", portfolios=("Corporate", "Other"))
    bob_other = access.Identity(email=BOB, role="pm", via="cli", portfolios=("Other",))
    mine = access.store_for(world, bob_other)
    assert mine.manager == BOB
    expected = {"P2", "P3", "P4", "P5"}  # Other's, and bob's P4 and P5 in Corporate
    got = sandbox.run(mine.snapshot(), "SELECT DISTINCT project_id FROM raw_projects", NEXT).frame
    assert set(got["project_id"]) == expected
    # of the access list, only its projects' reassignments (P3, in Other, given to alice),
    # so that a project's manager is the same on a scoped connection as on the whole store
    access_rows = sandbox.run(mine.snapshot(), "SELECT event, project_id, email FROM raw_access", NEXT).frame
    assert access_rows.to_dict("records") == [
        {"event": "assign_pm", "project_id": "P3", "email": "alice.pm@example.org"}
    ]
    owners = sandbox.run(mine.snapshot(), "SELECT project_id, manager_email FROM project_owners", NEXT).frame
    whole = {r["project_id"]: r["project_manager"] for r in world.rows("access/project_managers")}
    assert dict(zip(owners["project_id"], owners["manager_email"], strict=True)) == {
        p: whole[p].strip().lower() for p in expected
    }
    con = steering.connect_frozen(mine, steering.freeze(mine, NEXT))
    try:
        assert {r[0] for r in con.sql("SELECT DISTINCT project_id FROM raw_projects").fetchall()} == expected
    finally:
        con.close()
    assert access.store_for(world, alice).manager is None  # all hers are in her portfolios
