"""Identity, scope and audit in the domain (epmo/access.py, epmo/audit.py, store scoping)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from epmo import access, pack, sandbox, sql, steering
from epmo.cli import main
from epmo.settings import AuthSettings
from epmo.store import ALL_TABLES, Store
from tests.conftest import DEMO_END, WEEK, person, project_row, projects_csv

SCOPE = ("Corporate Systems",)


def _portfolios(store: Store, query: str) -> set[str]:
    con = store.connect()
    try:
        return {r[0] for r in con.sql(query).fetchall()}
    finally:
        con.close()


def test_a_scoped_store_shows_its_portfolios_in_every_table_and_view(demo_store: Store) -> None:
    scoped = Store(demo_store.uri, scope=SCOPE)
    whole = _portfolios(demo_store, f"SELECT DISTINCT portfolio FROM projects_as_of(DATE '{DEMO_END}')")
    assert len(whole) > 1 and SCOPE[0] in whole
    con = scoped.connect()
    try:
        in_scope = {r[0] for r in con.sql("SELECT project_id FROM scope_projects").fetchall()}
        assert in_scope
        for query in (
            f"SELECT DISTINCT portfolio FROM projects_as_of(DATE '{DEMO_END}')",
            "SELECT DISTINCT portfolio FROM raw_projects",
        ):
            assert {r[0] for r in con.sql(query).fetchall()} == set(SCOPE), query
        for table in ("milestones", "raid", "allocations", "financials", "work_items"):
            ids = {r[0] for r in con.sql(f"SELECT DISTINCT project_id FROM raw_{table}").fetchall()}  # noqa: S608
            assert ids <= in_scope, table
        entities = con.sql(
            "SELECT DISTINCT entity_key FROM raw_submissions WHERE table_name <> 'capacity'"
        ).fetchall()
        assert {r[0] for r in entities} <= in_scope
        assert con.sql("SELECT count(*) FROM raw_audit").fetchall() == [(0,)]
        assert con.sql("SELECT count(*) FROM raw_access").fetchall() == [(0,)]
        # no relation of a scoped connection reaches an unscoped row: every table and view
        names = [
            r[0]
            for r in con.sql(
                "SELECT table_name FROM duckdb_tables() UNION ALL "
                "SELECT view_name FROM duckdb_views() WHERE NOT internal"
            ).fetchall()
        ]
        for name in names:
            cols = {r[0] for r in con.sql(f'DESCRIBE "{name}"').fetchall()}
            if "portfolio" in cols and name not in ("scope_portfolios",):
                got = {r[0] for r in con.sql(f'SELECT DISTINCT portfolio FROM "{name}"').fetchall()} - {None}  # noqa: S608
                assert got <= set(SCOPE), (name, got)
    finally:
        con.close()


def test_scoped_and_whole_connections_are_cached_apart(demo_store: Store) -> None:
    snap = demo_store.snapshot()
    assert snap.scoped(SCOPE).key != snap.key
    assert snap.scoped(SCOPE).key != snap.scoped(("Other",)).key
    assert Store(demo_store.uri, scope=SCOPE).snapshot().key == snap.scoped(SCOPE).key


def test_the_explorer_of_a_scoped_identity_reads_no_file(demo_store: Store) -> None:
    snap = demo_store.snapshot().scoped(SCOPE)
    got = sandbox.run(snap, "SELECT DISTINCT portfolio FROM projects", DEMO_END).frame
    assert got["portfolio"].tolist() == list(SCOPE)
    got = sandbox.run(snap, "SELECT DISTINCT portfolio FROM raw_projects", DEMO_END).frame
    assert got["portfolio"].tolist() == list(SCOPE)
    path = demo_store.snapshot().files["projects"][0]
    with pytest.raises(sandbox.ExplorerError, match="disabled"):
        sandbox.run(snap, f"SELECT count(*) FROM read_parquet('{path}')", DEMO_END)  # noqa: S608
    # the unscoped rows the scope was computed from were named only while it was: gone
    with pytest.raises(sandbox.ExplorerError, match="does not exist"):
        sandbox.run(snap, "SELECT * FROM temp.raw_projects", DEMO_END)


def test_a_scoped_viewer_exports_and_pack_hold_only_their_portfolio(
    demo_store: Store, tmp_path: Path
) -> None:
    boot = access.demo_identity(via="cli")
    access.grant(demo_store, boot, "boss@example.org", "admin")
    access.grant(
        demo_store, access.cli_identity(demo_store, "boss@example.org"), "cs@example.org", "viewer", SCOPE
    )
    others = _portfolios(demo_store, "SELECT DISTINCT portfolio FROM raw_projects") - set(SCOPE)
    out = tmp_path / "summary.json"
    argv = ["--as-of", str(DEMO_END), "--store", demo_store.uri, "--as", "cs@example.org", "--format", "json"]
    assert main(["export", "portfolio_summary", *argv, "--out", str(out)]) == 0
    assert {r["portfolio"] for r in json.loads(out.read_text())} == set(SCOPE)
    assert main(["export", "projects", *argv, "--out", str(out)]) == 0
    assert {r["portfolio"] for r in json.loads(out.read_text())} == set(SCOPE)
    html = tmp_path / "pack.html"
    assert (
        main(
            [
                "pack",
                "--out",
                str(html),
                "--as-of",
                str(DEMO_END),
                "--store",
                demo_store.uri,
                "--as",
                "cs@example.org",
            ]
        )
        == 0
    )
    text = html.read_text(encoding="utf-8")
    assert SCOPE[0] in text
    for other in others:
        assert other not in text and other.replace("&", "&amp;") not in text, other
    # the whole pack names them (the test above can fail)
    whole = pack.to_html(
        pack.build_from_store(demo_store, steering.default_deck(), steering.freeze(demo_store, DEMO_END))
    )
    assert any(o.replace("&", "&amp;") in whole or o in whole for o in others)


def test_access_list_changes_are_versioned_and_audited(store: Store) -> None:
    boot = access.demo_identity(via="cli")
    access.grant(store, boot, "a@example.org", "admin")
    admin = access.cli_identity(store, "a@example.org")
    access.grant(store, admin, "v@example.org", "viewer", ["P1"])
    access.grant(store, admin, "v@example.org", "analyst")
    access.revoke(store, admin, "v@example.org", "left")
    assert [e["email"] for e in access.access_list(store)] == ["a@example.org"]
    history = access.access_history(store)
    assert [h["event"] for h in history] == ["revoke", "grant", "grant", "grant"]
    trail = Store(store.uri).rows("access/audit_trail")
    assert [(t["action"], t["actor"], t["via"]) for t in trail][:3] == [
        ("access revoke", "a@example.org", "cli"),
        ("access grant", "a@example.org", "cli"),
        ("access grant", "a@example.org", "cli"),
    ]
    with pytest.raises(ValueError, match="role must be one of"):
        access.grant(store, admin, "x@example.org", "owner")
    with pytest.raises(access.Forbidden):
        access.grant(store, access.cli_identity(store, "nobody@example.org"), "x@example.org", "admin")


def test_the_cli_acts_as_the_os_user_only_with_the_access_list_s_role(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(access, "os_user", lambda: "operator")
    assert access.cli_identity(store, None).role == "admin"  # empty list: demo mode
    assert access.cli_identity(store, None).mode == "demo"
    access.grant(store, access.demo_identity(via="cli"), "boss@example.org", "admin")
    assert access.cli_identity(store, None).role is None  # now the list rules
    assert main(["maintain", "--store", store.uri]) == 2
    # deploy/compose.yaml's maintainer: `--as "$EPMO_MAINTAINER"`, empty = the OS user
    assert main(["maintain", "--store", store.uri, "--as", ""]) == 2
    assert main(["maintain", "--store", store.uri, "--as", "boss@example.org"]) == 0
    access.grant(store, access.cli_identity(store, "boss@example.org"), "operator", "admin")
    assert access.cli_identity(store, None).role == "admin"
    assert main(["maintain", "--store", store.uri, "--force"]) == 0
    last = Store(store.uri).rows("access/audit_trail")[0]
    assert (last["action"], last["actor"], last["via"], last["role"]) == (
        "maintenance",
        "operator",
        "cli",
        "admin",
    )


def test_every_change_is_audited_with_who_and_where(demo_store: Store, tmp_path: Path) -> None:
    boot = access.demo_identity(via="cli")
    access.grant(demo_store, boot, "boss@example.org", "admin")
    csv = tmp_path / "p.csv"
    csv.write_text(
        "project_id,project_name,portfolio,project_manager,stage,start_date,baseline_end_date,"
        "forecast_end_date,budget_bac,actual_cost,rag_overall\n"
        "PRJ-9001,New,Corporate Systems,x@example.org,Execution,2026-01-05,2026-12-31,2027-01-29,1000,10,Green\n"
    )
    as_boss = ["--store", demo_store.uri, "--as", "boss@example.org"]
    assert main(["ingest", str(csv), "--as-of", str(DEMO_END), *as_boss]) == 0
    ledger = Store(demo_store.uri).rows("export/uploads")
    upload = next(r for r in ledger if r["file_name"] == "p.csv")
    assert upload["user_email"] == "boss@example.org"
    assert main(["retract", upload["upload_id"], "--reason", "typo", *as_boss]) == 0
    access.save_document(
        demo_store,
        access.cli_identity(demo_store, "boss@example.org"),
        "deck",
        "d1",
        json.dumps({"slides": []}),
    )
    trail = Store(demo_store.uri).rows("access/audit_trail")
    got = {(t["action"], t["target"]): (t["actor"], t["via"]) for t in trail}
    assert got[("upload", upload["upload_id"])] == ("boss@example.org", "cli")
    assert got[("retract", upload["upload_id"])] == ("boss@example.org", "cli")
    assert got[("save deck", "d1")][0] == "boss@example.org"
    out = tmp_path / "audit.csv"
    assert main(["export", "audit", "--out", str(out), *as_boss]) == 0
    assert "retract" in out.read_text()


@pytest.mark.parametrize(
    ("env", "signin", "entries", "expected"),
    [
        ("", False, 0, "demo"),
        ("", True, 0, "oidc"),
        ("", False, 2, "error"),  # an access list and no sign-in: not the silent demo mode
        ("demo", False, 2, "demo"),  # asked for outright
        ("demo", True, 0, "error"),  # sign-in configured: demo refused
        ("oidc", False, 0, "error"),
        ("proxy", False, 0, "proxy"),
        ("bogus", False, 0, "error"),
    ],
)
def test_auth_mode(
    env: str, signin: bool, entries: int, expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EPMO_AUTH", env)
    if expected == "error":
        with pytest.raises(access.AuthConfigError):
            access.auth_mode(signin, entries)
    else:
        assert access.auth_mode(signin, entries) == expected


GROUPS = AuthSettings(
    mode="auto",
    provider="",
    groups_claim="groups",
    group_roles={
        "epmo-viewers": "viewer",
        "epmo-analysts": "analyst",
        "cs-viewers": "viewer",
        "da-analysts": "analyst",
    },
    group_portfolios={
        "cs-viewers": ("Corporate Systems",),
        "da-analysts": ("Data & Analytics",),
        "cs-staff": ("Corporate Systems",),
    },
)
# (case, the person's groups, the role, the portfolios: None = every portfolio)
GROUP_CASES = [
    ("no group maps", ["other"], None, None),
    ("a role group alone: every portfolio", ["epmo-viewers"], "viewer", None),
    ("a role group and a scope group", ["epmo-viewers", "cs-staff"], "viewer", ("Corporate Systems",)),
    ("the strongest role", ["epmo-viewers", "epmo-analysts", "other"], "analyst", None),
    # a lesser role's portfolios are not the stronger role's: viewing Corporate Systems gave
    # upload and explorer rights over it
    (
        "a role per portfolio: the strongest over its own",
        ["cs-viewers", "da-analysts"],
        "analyst",
        ("Data & Analytics",),
    ),
    (
        "the strongest role over its group's and the scope groups'",
        ["da-analysts", "cs-staff"],
        "analyst",
        ("Corporate Systems", "Data & Analytics"),
    ),
]


@pytest.mark.parametrize(
    ("groups", "role", "portfolios"), [c[1:] for c in GROUP_CASES], ids=[c[0] for c in GROUP_CASES]
)
def test_groups_map_to_a_role_over_that_role_s_portfolios(
    store: Store,
    monkeypatch: pytest.MonkeyPatch,
    groups: list[str],
    role: str | None,
    portfolios: tuple[str, ...] | None,
) -> None:
    monkeypatch.setattr(access, "auth_settings", lambda: GROUPS)
    who = access.resolve(store, "g@example.org", groups, entries=[])
    assert (who.role, who.portfolios) == (role, portfolios)


def test_the_list_wins_over_groups_and_a_revocation_is_a_deny(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A revoked person got their groups' role back: revoking removed the entry, and the group
    mapping applied again."""
    monkeypatch.setattr(access, "auth_settings", lambda: GROUPS)
    admin = access.Identity(email="boss@example.org", role="admin", via="cli")
    access.grant(store, admin, "G@example.org", "pm", teams=["Alpha"])
    who = access.resolve(store, "g@example.org", ["epmo-analysts"])
    assert (who.role, who.portfolios, who.teams) == ("pm", None, ("Alpha",))
    access.revoke(store, admin, "g@example.org", note="left the programme")
    who = access.resolve(store, "g@example.org", ["epmo-analysts"])
    assert (who.role, who.revoked) == (None, True)
    assert access.resolve(store, "other@example.org", ["epmo-analysts"]).role == "analyst"
    access.grant(store, admin, "g@example.org", "viewer")  # a new grant lifts the deny
    assert access.resolve(store, "g@example.org", ["epmo-analysts"]).role == "viewer"


def test_a_revoked_person_is_told_their_access_was_revoked(
    store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    """docs/security.md says revoked people are told their access was revoked; the command
    line told them they had "no role" and to ask for access."""
    from epmo.cli import main

    boot = access.demo_identity(via="cli")
    access.grant(store, boot, "boss@example.org", "admin")
    access.grant(store, boot, "ana@example.org", "analyst")
    access.revoke(store, access.cli_identity(store, "boss@example.org"), "ana@example.org")
    assert main(["check", "--store", store.uri, "--as", "ana@example.org"]) == 2
    err = capsys.readouterr().err
    assert "ana@example.org's access was revoked" in err and "no role" not in err, err
    never = access.cli_identity(store, "bo@example.org")
    with pytest.raises(access.Forbidden, match=r"bo@example.org \(no role\) may not"):
        access.require(never, "view")


# (case, the headers as sent: name -> every copy, the email and groups read, or the refusal's words)
PROXY_CASES = [
    (
        "one line",
        {"X-Forwarded-Email": ["a@x.org"], "X-Forwarded-Groups": ["g1,g2"]},
        ("a@x.org", ["g1", "g2"]),
    ),
    (
        "a line per group (oauth2-proxy): every line counts",
        {"X-Forwarded-Email": ["a@x.org"], "X-Forwarded-Groups": ["epmo-viewers", "cs-staff"]},
        ("a@x.org", ["epmo-viewers", "cs-staff"]),
    ),
    ("no groups", {"X-Forwarded-Email": ["a@x.org"]}, ("a@x.org", [])),
    ("no header", {}, ("", [])),
    ("the email twice: refused", {"X-Forwarded-Email": ["evil@x.org", "a@x.org"]}, "arrived 2 times"),
]


@pytest.mark.parametrize(
    ("headers", "expected"), [c[1:] for c in PROXY_CASES], ids=[c[0] for c in PROXY_CASES]
)
def test_the_proxy_s_headers_are_read_whole(headers: dict[str, list[str]], expected: object) -> None:
    mapping = {"X-Forwarded-Email": "email", "X-Forwarded-Groups": "groups"}
    lower = {k.lower(): v for k, v in headers.items()}
    get_all = lambda name: list(lower.get(name.lower(), []))  # noqa: E731
    if isinstance(expected, str):
        with pytest.raises(access.AuthConfigError, match=expected):
            access.proxy_user(mapping, get_all)
    else:
        assert access.proxy_user(mapping, get_all) == expected


@pytest.mark.parametrize(
    ("email", "ok"),
    [
        ("zoe.smith0@example.org", True),
        ("root", True),  # an operating-system user name (the command line)
        ("z\u043ee.smith0@example.org", False),  # a Cyrillic о
        ("zoe\u200b.smith0@example.org", False),  # a zero-width space
        ("\u202ezoe@example.org", False),  # a direction override
        ("\uff5aoe@example.org", False),  # a fullwidth z
        ("notanemail@", False),
        ("a@b@c.org", False),
        ("a@localhost", False),
    ],
)
def test_a_grant_names_a_plain_address(store: Store, email: str, ok: bool) -> None:
    admin = access.Identity(email="boss@example.org", role="admin", via="cli")
    if ok:
        access.grant(store, admin, email, "viewer")
    else:
        with pytest.raises(ValueError, match="not an email address or user name"):
            access.grant(store, admin, email, "viewer")


def test_a_grant_to_a_blank_portfolio_is_refused(store: Store) -> None:
    """`--portfolio ""` (an unset shell variable) granted every portfolio."""
    admin = access.Identity(email="boss@example.org", role="admin", via="cli")
    with pytest.raises(ValueError, match="a blank portfolio name"):
        access.grant(store, admin, "v@example.org", "viewer", [""])
    assert access.access_list(store) == []


def test_admins_are_never_scoped() -> None:
    admin = access.Identity(email="a", role="admin", via="app", portfolios=SCOPE)
    viewer = access.Identity(email="v", role="viewer", via="app", portfolios=SCOPE)
    assert admin.scope is None and viewer.scope == SCOPE


def test_new_tables_are_registered_empty_on_an_old_store(tmp_path: Path, demo_store: Store) -> None:
    """A store made before the access list and audit trail reads them as empty."""
    import shutil

    old = tmp_path / "old"
    shutil.copytree(demo_store.uri, old)
    for name in ("access", "audit"):
        shutil.rmtree(old / name, ignore_errors=True)
    con = Store(str(old)).connect()
    try:
        assert con.sql("SELECT count(*) FROM raw_audit").fetchall() == [(0,)]
        assert sql.df(con, "access/access_list").empty
    finally:
        con.close()
    assert "access" in ALL_TABLES and "audit" in ALL_TABLES
    assert main(["check", "--store", str(old)]) == 0


@pytest.mark.parametrize(
    ("kind", "action"),
    [
        ("scoring_model", "model"),
        ("capacity_scenario", "scenario"),
        ("selection_scenario", "scenario"),
        ("deck", "deck"),
        ("decision", "decision"),
        ("mapping", "upload"),
        ("workflow", "upload"),
    ],
)
def test_every_kind_of_document_the_product_saves_needs_its_own_action(kind: str, action: str) -> None:
    """Each kind the product saves (the modules' own constants) is guarded by the action the
    access matrix names for it, not by a default: a capacity scenario was once checked as a
    scoring model."""
    from epmo import capacity, priority, workflow
    from epmo.pagedata import steering
    from epmo.priority import models
    from epmo.steering.freeze import DECISION_KIND

    kinds = {
        models.KIND,
        capacity.SCENARIO_KIND,
        priority.SCENARIO_KIND,
        steering.DECK_KIND,
        DECISION_KIND,
        "mapping",
        workflow.KIND,
    }
    assert kind in kinds and set(access.DOCUMENT_ACTIONS) == kinds
    assert access.DOCUMENT_ACTIONS[kind] == action


def test_a_document_of_an_unknown_kind_is_refused(store: Store) -> None:
    admin = access.Identity("root@example.org", "admin", "library")
    with pytest.raises(ValueError, match="no action says who may save a document of kind 'report'"):
        access.save_document(store, admin, "report", "r", "{}")
    assert store.documents("report") == []


def _save_each_kind(store: Store, identity: access.Identity, kind: str) -> None:
    """Save one document of `kind` through the domain function the app and the CLI call."""
    from epmo import capacity, priority, steering, workflow

    if kind == "scoring_model":
        priority.save_model(
            store, "growth", {"type": "weighted", "criteria": [{"column": "reach", "weight": 2}]}, identity
        )
    elif kind == "capacity_scenario":
        capacity.save_scenario(store, identity, "Drop nothing", capacity.Scenario(), dt.date(2026, 11, 20))
    elif kind == "deck":
        steering.save_deck(store, steering.parse_deck("Board", {"slides": ["home"]}), identity)
    elif kind == "decision":
        d = steering.Decision(dt.date(2026, 11, 26), "Stop P2", "CPI 0.7", ("P2",), "sponsor@x.org", None)
        steering.save_decision(store, d, identity)
    elif kind == "workflow":
        wf = workflow.Workflow(name="cra", statuses=["Open", "Done"], started="Open", done="Done")
        workflow.save(store, wf, identity)
    elif kind == "mapping":  # what the Mapper page and `mappings save` call
        from epmo.mapping import Mapping

        access.save_document(store, identity, "mapping", "register", Mapping(name="register").to_json())
    else:
        raise AssertionError(kind)


@pytest.mark.parametrize(
    ("kind", "allowed", "refused"),
    [
        ("scoring_model", "analyst", "pm"),
        ("capacity_scenario", "analyst", "viewer"),
        ("deck", "analyst", "viewer"),
        ("decision", "analyst", "viewer"),
        ("workflow", "pm", "viewer"),
        ("workflow", "analyst", "viewer"),
        ("mapping", "pm", "viewer"),
        ("mapping", "analyst", "viewer"),  # an analyst maps the foreign registers they import
    ],
)
def test_each_domain_save_checks_the_identity_it_is_given(
    store: Store, kind: str, allowed: str, refused: str
) -> None:
    """The domain functions the app and the CLI call to save a document check the acting
    identity themselves: a refused role writes nothing, an allowed one is recorded as the saver."""
    assert access.allowed(person("x@example.org", allowed), access.DOCUMENT_ACTIONS[kind])
    assert not access.allowed(person("x@example.org", refused), access.DOCUMENT_ACTIONS[kind])
    with pytest.raises(access.Forbidden, match=rf"no@example\.org \({refused}\) may not"):
        _save_each_kind(store, person("no@example.org", refused), kind)
    assert store.documents(kind) == []
    _save_each_kind(store, person("yes@example.org", allowed), kind)
    assert [d["saved_by"] for d in store.documents(kind)] == ["yes@example.org"]


def test_the_explorer_withholds_the_access_list_and_audit_trail_from_non_admins(
    demo_store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    """The explorer runs any read query: the access list's grants and the audit trail reach
    only those who may act on them (admins); an analyst still sees each project's assigned
    manager (which every project page shows), and cannot read the withheld files directly."""
    boot = access.demo_identity(via="cli")
    access.grant(demo_store, boot, "boss@example.org", "admin", note="head of EPMO")
    boss = access.cli_identity(demo_store, "boss@example.org")
    access.grant(demo_store, boss, "an@example.org", "analyst", note="temporary cover")
    project = sorted(access.project_managers(demo_store))[0]
    access.assign_pm(demo_store, boss, project, "new.pm@example.org", note="on leave")
    analyst = access.cli_identity(demo_store, "an@example.org")
    assert access.explorer_withheld(analyst) == {"access", "audit"}
    assert access.explorer_withheld(boss) == frozenset()
    snap = demo_store.snapshot()

    def rows(query: str, who: access.Identity) -> list[dict[str, object]]:
        return sandbox.run(snap, query, DEMO_END, identity=who).frame.to_dict("records")

    assert rows("SELECT count(*) AS n FROM raw_audit", analyst) == [{"n": 0}]
    assert rows("SELECT count(*) AS n FROM raw_audit", boss)[0]["n"] >= 3
    query = "SELECT event, email, project_id, (role IS NULL)::INT + (portfolios IS NULL)::INT + (by_email IS NULL)::INT + (via IS NULL)::INT + (note IS NULL)::INT AS nulls FROM raw_access"
    assert rows(query, analyst) == [
        {"event": "assign_pm", "email": "new.pm@example.org", "project_id": project, "nulls": 5}
    ]
    assert {r["event"] for r in rows("SELECT event FROM raw_access", boss)} == {"grant", "assign_pm"}
    # the assigned manager still counts in the explorer's definition of a project's owner
    owner = rows(f"SELECT project_manager FROM project_owners WHERE project_id = '{project}'", analyst)  # noqa: S608
    assert owner == [{"project_manager": "new.pm@example.org"}]
    for table in ("audit", "access"):  # their files: not readable, even by name
        path = snap.files[table][0]
        with pytest.raises(sandbox.ExplorerError, match="disabled"):
            sandbox.run(snap, f"SELECT count(*) FROM read_parquet('{path}')", DEMO_END, identity=analyst)  # noqa: S608
        assert sandbox.run(snap, f"SELECT count(*) AS n FROM read_parquet('{path}')", DEMO_END, identity=boss)  # noqa: S608
    helped = set(sandbox.schema(snap, DEMO_END, analyst)["table_name"])
    assert {"raw_access", "raw_audit"} <= helped  # listed (empty or reduced), not hidden
    # the command line goes through the same check
    assert (
        main(
            [
                "sql",
                "SELECT count(*) AS n FROM raw_audit",
                "--store",
                demo_store.uri,
                "--as",
                "an@example.org",
            ]
        )
        == 0
    )
    assert capsys.readouterr().out.splitlines()[1:] == ["0"]


def test_an_entry_granted_before_the_address_rules_can_be_revoked(store: Store) -> None:
    """Revoke checked the address as a grant does, so a look-alike entry granted before could
    not be removed and stayed in force."""
    admin = access.Identity(email="boss@example.org", role="admin", via="cli")
    legacy = "z\u043ee@example.org"  # a Cyrillic о, granted before grants refused it
    access._event(store, admin, "grant", legacy, "admin")
    assert access.resolve(store, legacy).role == "admin"
    access.revoke(store, admin, legacy)
    assert access.resolve(store, legacy).role is None


@pytest.mark.parametrize(
    ("portfolios", "noted"),
    [
        (["Corporate"], []),
        (["Corporat"], ["'Corporat'"]),
        (["Corporate", "No Such Portfolio"], ["'No Such Portfolio'"]),
    ],
)
def test_a_grant_to_a_portfolio_never_reported_is_noted(
    store: Store, capsys: pytest.CaptureFixture[str], portfolios: list[str], noted: list[str]
) -> None:
    """`access grant --portfolio "No Such Portfolio"` gave an empty view without a word."""
    from epmo.cli import main
    from epmo.ingest import ingest

    assert ingest(store, "p.csv", projects_csv(project_row("P1")), as_of=WEEK).status == "accepted"
    argv = ["access", "grant", "z@example.org", "viewer", "--store", store.uri]
    for p in portfolios:
        argv += ["--portfolio", p]
    assert main(argv) == 0
    err = capsys.readouterr().err
    for name in noted:
        assert (
            f"no project has been reported in {name}" in err and "Portfolios reported: Corporate." in err
        ), err
    if not noted:
        assert "no project has been reported" not in err, err
    assert access.unknown_portfolios(store, portfolios) == [n.strip("'") for n in noted]
