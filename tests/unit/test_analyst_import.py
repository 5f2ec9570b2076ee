"""An analyst imports foreign registers (access.MATRIX["upload"]["analyst"]: "their
portfolios"). One who reads every portfolio may submit any row; one scoped to portfolios
only rows of projects in them, row by row, and nothing of a refused file is stored. Each
case is one upload as the scoped analyst, through the same `ingest` the app and the CLI use.

The store: P1 in Corporate (the analyst's portfolio), P2 in Other. A case that is accepted
adds rows that no other case depends on (P1 re-reported in Corporate, or a new project id
of its own), so the cases hold in any order.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from epmo import access
from epmo.cli import main
from epmo.ingest import ACCEPTED, REJECTED, ingest
from epmo.store import Store
from tests.conftest import WEEK, project, tree_digest, zip_of

SCOPED = "ana.corporate@example.org"
UNSCOPED = "ana.all@example.org"
NEXT = WEEK + dt.timedelta(days=7)


def milestone(pid: str, mid: str = "M1") -> dict[str, object]:
    return {
        "project_id": pid,
        "milestone_id": mid,
        "milestone_name": f"Milestone {mid}",
        "baseline_date": "2026-12-31",
        "forecast_date": "2026-12-31",
    }


CAPACITY = [{"team": "Alpha", "role": "Developer", "period_start": "2026-12-07", "available_hours": 40}]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Store:
    store = Store(str(tmp_path_factory.mktemp("analyst") / "store"))
    store.ensure()
    seed = zip_of(projects=[project("P1"), project("P2", portfolio="Other")], milestones=[milestone("P2")])
    assert ingest(store, "seed.zip", seed, as_of=WEEK).status == ACCEPTED
    boot = access.demo_identity(via="cli")
    access.grant(store, boot, SCOPED, "analyst", ["Corporate"])
    access.grant(store, boot, UNSCOPED, "analyst")
    return store


# (case, tables of the upload, the refusals as (table, row, column, value); [] = accepted)
CASES = [
    ("a project of their portfolio", {"projects": [project("P1", actual_cost=410001)]}, []),
    (
        "a new project their projects row puts in their portfolio, with its milestones",
        {"projects": [project("N-IN")], "milestones": [milestone("N-IN")]},
        [],
    ),
    (
        "a project of another portfolio",
        {"projects": [project("P2", portfolio="Other", actual_cost=1)]},
        [("projects", 2, "project_id", "P2")],
    ),
    (
        "a project of another portfolio brought into theirs",
        {"projects": [project("P2", portfolio="Corporate")]},
        [("projects", 2, "project_id", "P2")],
    ),
    (
        "a project of theirs moved to another portfolio",
        {"projects": [project("P1", portfolio="Other")]},
        [("projects", 2, "portfolio", "Other")],
    ),
    (
        "a new project in another portfolio, and its milestones",
        {"projects": [project("N-OUT", portfolio="Other")], "milestones": [milestone("N-OUT")]},
        [("milestones", 2, "project_id", "N-OUT"), ("projects", 2, "portfolio", "Other")],
    ),
    (
        "milestones of a project of another portfolio, beside one of theirs",
        {"milestones": [milestone("P1"), milestone("P2", "M2")]},
        [("milestones", 3, "project_id", "P2")],
    ),
    (
        "capacity, which is per team",
        {"capacity": CAPACITY},
        [("capacity", 2, "team", "")],
    ),
]


@pytest.mark.parametrize(("case", "tables", "refused"), CASES, ids=[c for c, _, _ in CASES])
def test_a_scoped_analyst_imports_only_their_portfolios(
    world: Store, case: str, tables: dict[str, list[dict[str, object]]], refused: list[tuple[object, ...]]
) -> None:
    who = access.cli_identity(world, SCOPED)
    before = tree_digest(Path(world.uri))
    out = ingest(world, "register.zip", zip_of(**tables), as_of=NEXT, identity=who)
    if not refused:
        assert out.status == ACCEPTED, out.report.to_text(limit=10)
        return
    assert out.status == REJECTED
    issues = [i for i in out.report.issues if i.severity == "error"]
    assert {i.rule for i in issues} == {"not_in_your_portfolios"}, out.report.to_text(limit=10)
    assert sorted((i.table, i.row, i.column, i.value) for i in issues) == sorted(refused)
    assert all("your portfolios (Corporate)" in i.message for i in issues)
    # the portfolio of a project the analyst does not read is not named to them
    assert not any("Other" in i.message for i in issues if i.value == "P2")
    assert tree_digest(Path(world.uri)) == before, "a refused import changed the store"


@pytest.mark.parametrize("dry_run", [True, False], ids=["checked", "committed"])
def test_through_their_own_scope_a_known_project_outside_it_is_refused_not_unknown(
    world: Store, dry_run: bool
) -> None:
    """The app and the command line validate a scoped analyst's upload on the store as they
    read it (access.store_for), where P2 of another portfolio is not. Its milestone row is
    refused for what it is, at its place in the file, and P2's portfolio is not named; a
    project id the store has never seen is still an unknown project."""
    who = access.cli_identity(world, SCOPED)
    body = zip_of(milestones=[milestone("P1"), milestone("P2", "M2"), milestone("NEVER-SEEN", "M3")])
    before = tree_digest(Path(world.uri))
    out = ingest(
        access.store_for(world, who), "register.zip", body, as_of=NEXT, identity=who, dry_run=dry_run
    )
    assert out.status == REJECTED
    got = sorted(
        (i.rule, i.table, i.row, i.column, i.value) for i in out.report.issues if i.severity == "error"
    )
    assert got == [
        ("not_in_your_portfolios", "milestones", 3, "project_id", "P2"),
        ("unknown_project", "milestones", 4, "project_id", "NEVER-SEEN"),
    ], out.report.to_text(limit=10)
    refused = next(i for i in out.report.issues if i.value == "P2")
    assert "belongs to a portfolio outside yours" in refused.message and "Other" not in refused.message
    assert refused.file == "milestones.csv" or refused.file.endswith("milestones.csv")
    assert tree_digest(Path(world.uri)) == before


def test_an_analyst_of_every_portfolio_imports_any_row(world: Store) -> None:
    """The rows a scoped analyst is refused, all in one file, from an analyst who reads every
    portfolio (with "another portfolio" the later week's rows: no case above reads them)."""
    who = access.cli_identity(world, UNSCOPED)
    body = zip_of(
        projects=[project("P2", portfolio="Other", actual_cost=2), project("N-ALL", portfolio="Other")],
        milestones=[milestone("P2", "M3")],
        capacity=CAPACITY,
    )
    out = ingest(world, "all.zip", body, as_of=NEXT + dt.timedelta(days=7), identity=who)
    assert out.status == ACCEPTED, out.report.to_text(limit=10)


def test_the_command_line_refuses_the_same_rows(world: Store, tmp_path: Path) -> None:
    path = tmp_path / "other.zip"
    path.write_bytes(zip_of(projects=[project("P2", portfolio="Other", actual_cost=3)]))
    before = tree_digest(Path(world.uri))
    code = main(["ingest", str(path), "--as-of", str(NEXT), "--store", world.uri, "--as", SCOPED])
    assert code == 2
    assert tree_digest(Path(world.uri)) == before


def test_an_analyst_does_not_confirm_a_managers_week(world: Store) -> None:
    who = access.cli_identity(world, UNSCOPED)
    assert "may import registers but not confirm" in access.confirm_refusal(who, "pm@example.org")
    assert access.confirm_refusal(access.cli_identity(world, SCOPED), "pm@example.org")


def test_the_mapper_s_whole_file_check_refuses_what_the_upload_would(world: Store) -> None:
    """The Mapper's "Check the whole file" says what an upload of the file by that person
    would: a scoped analyst's row for another portfolio's project is refused as such."""
    from epmo import mapper
    from epmo.mapping import Mapping

    who = access.cli_identity(world, SCOPED)
    body = zip_of(milestones=[milestone("P1"), milestone("P2", "M2")])
    sheets = mapper.read("register.zip", body)
    view = mapper.view(
        access.store_for(world, who),
        "register.zip",
        body,
        sheets,
        Mapping(),
        check_all=True,
        as_of=NEXT,
        identity=who,
    )
    assert view.issues is not None
    errors = view.issues[view.issues["severity"] == "error"]
    assert errors[["row", "value"]].values.tolist() == [[3, "P2"]]
    assert "belongs to a portfolio outside yours" in errors["problem"].iloc[0]


def test_a_project_moved_out_of_the_scope_before_the_commit_is_refused_as_such(tmp_path: Path) -> None:
    """Checked, then another upload moves the project to a portfolio the analyst does not
    read, then committed: the commit checks again on the moved store and refuses the row
    for what it now is (outside their portfolios), not as an unknown project."""
    from epmo.ingest import VALID, check_upload, commit

    store = Store(str(tmp_path / "store"))
    store.ensure()
    assert ingest(store, "seed.zip", zip_of(projects=[project("P1")]), as_of=WEEK).status == ACCEPTED
    boot = access.demo_identity(via="cli")
    access.grant(store, boot, SCOPED, "analyst", ["Corporate"])
    who = access.cli_identity(store, SCOPED)
    mine = access.store_for(store, who)
    body = zip_of(milestones=[milestone("P1")])
    checked = check_upload(mine, "register.zip", body, as_of=NEXT, managers=True)
    assert checked.status == VALID, checked.report.to_text(limit=5)
    moved = zip_of(projects=[project("P1", portfolio="Other")])
    assert ingest(store, "move.zip", moved, as_of=NEXT, identity=boot).status == ACCEPTED
    out = commit(mine, checked, "register.zip", body, identity=who)
    assert out.status == REJECTED
    assert [(i.rule, i.value) for i in out.report.issues if i.severity == "error"] == [
        ("not_in_your_portfolios", "P1")
    ], out.report.to_text(limit=5)
