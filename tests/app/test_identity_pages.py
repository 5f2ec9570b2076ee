"""Role-dependent pages with a faked user (AppTest's `user`, the app in proxy mode or OIDC)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from epmo import access
from epmo.store import Store
from tests.app.conftest import sign_in, validation_report
from tests.conftest import DEMO_END, project_row, projects_csv, tree_digest

SCOPE = "Corporate Systems"


def _demo_notice(app: AppTest) -> bool:
    return any(access.DEMO_NOTICE in h.proto.body for h in app.get("html"))


def _no_exceptions(app: AppTest) -> None:
    assert not app.exception, [e.value for e in app.exception]


@pytest.mark.parametrize("page", ["app_pages/home.py", "app_pages/health.py", "app_pages/upload.py"])
def test_demo_mode_is_announced_on_every_page(app: AppTest, page: str) -> None:
    app.switch_page(page).run()
    _no_exceptions(app)
    assert _demo_notice(app)


def test_oidc_without_a_session_shows_only_the_sign_in_button(app: AppTest) -> None:
    app.secrets["auth"] = {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "a test secret that is long enough",
        "client_id": "epmo",
        "client_secret": "secret",
        "server_metadata_url": "http://localhost:9/.well-known/openid-configuration",
    }
    app.user = {"is_logged_in": False}
    app.run()
    _no_exceptions(app)
    assert [b.label for b in app.button] == ["Sign in"]
    assert not _demo_notice(app)
    assert not app.metric and not app.dataframe  # no data before sign-in


def test_oidc_signed_in_shows_the_role(app: AppTest, demo_store: Store) -> None:
    access.grant(demo_store, access.demo_identity(via="cli"), "ana@example.org", "analyst", [SCOPE])
    app.secrets["auth"] = {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "a test secret that is long enough",
        "client_id": "epmo",
        "client_secret": "secret",
        "server_metadata_url": "http://localhost:9/.well-known/openid-configuration",
    }
    app.user = {"is_logged_in": True, "email": "ana@example.org", "name": "Ana"}
    app.run()
    _no_exceptions(app)
    assert any(f"Signed in as ana@example.org\nRole: analyst · {SCOPE}" == t.value for t in app.sidebar.text)
    assert any(b.label == "Sign out" for b in app.sidebar.button)
    assert app.sidebar.multiselect(key="portfolios").options == [SCOPE]


def test_someone_without_a_role_is_told_whom_to_ask(
    app: AppTest, demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    sign_in(app, demo_store, monkeypatch, "boss@example.org", "admin")
    app.user = {"email": "stranger@example.org"}
    app.run()
    _no_exceptions(app)
    assert "no access yet" in app.warning[0].value
    assert not app.metric


def test_an_access_list_without_sign_in_is_not_the_demo_mode(app: AppTest, demo_store: Store) -> None:
    access.grant(demo_store, access.demo_identity(via="cli"), "boss@example.org", "admin")
    app.run()
    assert "no sign-in is configured" in app.error[0].value
    assert not _demo_notice(app)


def test_a_viewer_cannot_open_the_explorer_upload_or_save(
    app: AppTest, demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    sign_in(app, demo_store, monkeypatch, "v@example.org", "viewer")
    app.switch_page("app_pages/explorer.py").run()  # not in the navigation: never runs
    assert not any(t.value == "SQL explorer" for t in app.title)
    app.switch_page("app_pages/priority_models.py").run()
    _no_exceptions(app)
    assert app.button(key="mdl_save").disabled
    app.switch_page("app_pages/decks.py").run()
    assert app.button(key="deck_save").disabled


def test_a_scoped_viewer_s_home_holds_only_their_portfolio(
    app: AppTest, demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = {r["portfolio"] for r in demo_store.rows("access/project_managers")}
    sign_in(app, demo_store, monkeypatch, "v@example.org", "viewer", portfolios=(SCOPE,))
    app.run()
    _no_exceptions(app)
    shown = " ".join(str(d.value.to_dict()) for d in app.dataframe) + " ".join(m.value for m in app.markdown)
    assert SCOPE in shown or app.sidebar.multiselect(key="portfolios").options == [SCOPE]
    for other in whole - {SCOPE}:
        assert other not in shown, other
    assert app.sidebar.multiselect(key="portfolios").options == [SCOPE]


def test_a_pm_upload_for_someone_else_s_project_is_refused_row_by_row(
    app: AppTest, demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    managers = access.project_managers(demo_store)
    pm = sorted(set(managers.values()))[0]
    mine = sorted(p for p, e in managers.items() if e == pm)
    theirs = sorted(p for p, e in managers.items() if e != pm)
    sign_in(app, demo_store, monkeypatch, pm, "pm")
    app.switch_page("app_pages/upload.py").run()
    _no_exceptions(app)
    assert all(p in app.info[0].value for p in mine)
    before = tree_digest(Path(demo_store.uri))
    body = projects_csv(
        project_row(mine[0], project_manager=pm), project_row(theirs[0], budget_bac="99000000")
    )
    refused = _refused(app, "mine.csv", body, "not_your_project")
    assert refused["value"].tolist() == [theirs[0]] and refused["row"].tolist() == [3]
    assert tree_digest(Path(demo_store.uri)) == before


# a refusal's rule, by the words of its message (the report shows the problem, not the rule)
REFUSAL_WORDS = {
    "not_your_project": "is managed by another project manager: you",
    "not_in_your_portfolios": "may submit rows only for projects of your portfolios",
}


def _refused(app: AppTest, name: str, body: bytes, rule: str) -> pd.DataFrame:
    """Upload `body` for the demo's last week: the file cannot be stored, no commit is offered;
    the report's rows of `rule`."""
    app.file_uploader(key="upload_file").upload(name, body, "text/csv")
    app.date_input(key="upload_as_of").set_value(DEMO_END).run()
    _no_exceptions(app)
    assert "cannot be stored" in app.error[0].value
    assert not any(b.label == "Commit upload" for b in app.button)
    issues = validation_report(app)
    refused = issues[issues["problem"].str.contains(REFUSAL_WORDS[rule], regex=False)]
    return refused.astype({"row": int})


@pytest.mark.parametrize("scoped", [False, True])
def test_a_pm_s_own_projects_on_upload_are_read_once_per_store_version(
    app: AppTest, demo_store: Store, monkeypatch: pytest.MonkeyPatch, scoped: bool
) -> None:
    """The Upload page tells a pm which projects are theirs. It opened a store connection for
    that on every run (0.1 s each click, 0.5 s the first); now it is read once per store
    version, on the whole store even for a pm who reads one portfolio (their projects may
    lie outside it, and the upload check itself reads the whole store)."""
    managers = access.project_managers(demo_store)
    pm = sorted(set(managers.values()))[0]
    mine = sorted(p for p, e in managers.items() if e == pm)
    reads: list[int] = []
    real = access.project_owners
    monkeypatch.setattr(access, "project_owners", lambda store: reads.append(1) or real(store))
    sign_in(app, demo_store, monkeypatch, pm, "pm", portfolios=(SCOPE,) if scoped else ())
    app.switch_page("app_pages/upload.py").run()
    _no_exceptions(app)
    app.run()  # a second run of the page: a widget touched, the store unchanged
    _no_exceptions(app)
    note = next(i.value for i in app.info if "As a project manager" in i.value)
    assert f"your projects ({len(mine)})" in note and all(p in note for p in mine)
    assert len(reads) == 1


def test_a_pm_scoped_to_another_portfolio_still_follows_their_own_projects(
    app: AppTest, demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pm granted one portfolio, who manages projects in others too, reads that
    portfolio's projects and their own (access.read_manager), not the rest of the store."""
    managers, portfolios = access.project_owners(demo_store)
    pm = sorted(set(managers.values()))[0]
    mine = {p for p, e in managers.items() if e == pm}
    scoped = {p for p, f in portfolios.items() if f == SCOPE}
    assert mine - scoped and set(managers) - mine - scoped  # theirs outside it, and others' too
    sign_in(app, demo_store, monkeypatch, pm, "pm", portfolios=(SCOPE,))
    app.switch_page("app_pages/project.py").run()
    _no_exceptions(app)
    assert set(app.selectbox(key="project_pick").options) == {
        f"{p} · {n}" for p, n in _names(demo_store).items() if p in mine | scoped
    }


def _names(store: Store) -> dict[str, str]:
    con = store.connect()
    try:
        rows = con.sql(f"SELECT project_id, project_name FROM projects_as_of(DATE '{DEMO_END}')").fetchall()  # noqa: S608
    finally:
        con.close()
    return dict(rows)


def test_an_admin_grants_access_on_the_page_and_the_audit_page_shows_it(
    app: AppTest, demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    sign_in(app, demo_store, monkeypatch, "boss@example.org", "admin")
    app.switch_page("app_pages/access_admin.py").run()
    _no_exceptions(app)
    app.text_input(key="grant_email").input("new.viewer@example.org")
    assert app.selectbox(key="grant_role").value == "viewer"  # the least role unless another is chosen
    app.multiselect(key="grant_portfolios").set_value([SCOPE])
    next(b for b in app.button if b.label == "Grant").click().run()
    _no_exceptions(app)
    entry = next(e for e in access.access_list(demo_store) if e["email"] == "new.viewer@example.org")
    assert (entry["role"], entry["portfolios"]) == ("viewer", [SCOPE])
    app.switch_page("app_pages/audit.py").run()
    _no_exceptions(app)
    trail = next(d.value for d in app.dataframe if "actor" in d.value.columns)
    row = trail[trail["target"] == "new.viewer@example.org"].iloc[0]
    assert (row["actor"], row["via"], row["action"]) == (
        "boss@example.org",
        "App",
        "access grant",
    )  # the channel in words
    # the detail reads as pairs (it was the raw JSON: {"email": "new.viewer@example.org", ...})
    assert row["detail"].startswith("Email: new.viewer@example.org · ")
    assert "Role: viewer" in row["detail"] and f"Portfolios: {SCOPE}" in row["detail"]


def test_the_ledger_records_the_signed_in_uploader(
    app: AppTest, demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    sign_in(app, demo_store, monkeypatch, "boss@example.org", "admin")
    app.switch_page("app_pages/upload.py").run()
    assert not [t for t in app.text_input if "mail" in t.label.lower()]  # no email box
    body = projects_csv(project_row("PRJ-7001", portfolio=SCOPE))
    app.file_uploader(key="upload_file").upload("new.csv", body, "text/csv")
    app.date_input(key="upload_as_of").set_value(DEMO_END).run()
    app.button(key="commit").click().run()
    _no_exceptions(app)
    assert any("Stored as upload" in s.value for s in app.success)
    ledger = Store(demo_store.uri).rows("export/uploads")
    assert next(r for r in ledger if r["file_name"] == "new.csv")["user_email"] == "boss@example.org"


def test_a_scoped_analyst_imports_a_register_of_their_portfolio_only(
    app: AppTest, demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An analyst imports foreign registers (access.MATRIX: "their portfolios"): the Upload
    page says what they may import; a row of a project outside their portfolio is refused on
    its row, without naming that portfolio, and nothing is stored; their own rows commit,
    recorded under their email."""
    portfolios = access.project_owners(demo_store)[1]
    ours = sorted(p for p, f in portfolios.items() if f == SCOPE)[0]
    theirs = sorted(p for p, f in portfolios.items() if f != SCOPE)[0]
    other = portfolios[theirs]
    sign_in(app, demo_store, monkeypatch, "ana@example.org", "analyst", portfolios=(SCOPE,))
    app.switch_page("app_pages/upload.py").run()
    _no_exceptions(app)
    assert any(
        f"As an analyst you may import rows for the projects of your portfolios ({SCOPE})" in i.value
        for i in app.info
    )
    before = tree_digest(Path(demo_store.uri))
    body = projects_csv(project_row(ours, portfolio=SCOPE), project_row(theirs, portfolio=other))
    refused = _refused(app, "register.csv", body, "not_in_your_portfolios")
    assert refused["value"].tolist() == [theirs] and refused["row"].tolist() == [3]
    assert other not in " ".join(refused["problem"].tolist())
    assert tree_digest(Path(demo_store.uri)) == before
    app.file_uploader(key="upload_file").upload(
        "ours.csv", projects_csv(project_row(ours, portfolio=SCOPE)), "text/csv"
    )
    app.run()
    app.button(key="commit").click().run()
    _no_exceptions(app)
    assert any("Stored as upload" in s.value for s in app.success), [e.value for e in app.error]
    ledger = Store(demo_store.uri).rows("export/uploads")
    assert next(r for r in ledger if r["file_name"] == "ours.csv")["user_email"] == "ana@example.org"


def test_a_pm_imports_a_microsoft_project_plan_on_the_upload_page(
    app: AppTest, demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The README says a pm's own tool's export goes in through the Upload page: the page
    refused .xml, so an MS Project plan could only be sent from the command line. The
    uploader now takes it, says the size limit the reader enforces, and the plan becomes
    the pm's project."""
    from epmo.settings import current
    from tests.unit.test_mspdi import _plan

    pm = "plan.owner@example.org"
    sign_in(app, demo_store, monkeypatch, pm, "pm")
    app.switch_page("app_pages/upload.py").run()
    _no_exceptions(app)
    widget = app.file_uploader(key="upload_file")
    assert {"xml", "xlsm"} <= {t.lstrip(".") for t in widget.proto.type}
    assert widget.proto.max_upload_size_mb == current().limits.max_file_mb
    widget.upload("bridge.xml", _plan().encode(), "application/xml")
    app.selectbox(key="upload_mapping").select("msproject")
    app.date_input(key="upload_as_of").set_value(DEMO_END).run()
    _no_exceptions(app)
    assert not app.error, [e.value for e in app.error]
    assert "is valid" in app.success[0].value
    app.button(key="commit").click().run()
    assert any("Stored as upload" in s.value for s in app.success)
    assert access.project_managers(demo_store)["Bridge"] == pm


def test_an_analyst_is_told_what_the_explorer_withholds_and_a_pm_sees_no_retract_section(
    app: AppTest, demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """raw_audit read "0 rows" with no word on why; a pm's Submissions page ended in a section
    saying they may not use it."""
    sign_in(app, demo_store, monkeypatch, "an@example.org", "analyst")
    app.switch_page("app_pages/explorer.py").run()
    _no_exceptions(app)
    assert any("`raw_audit` is empty" in c.value for c in app.caption)
    pm = sorted(set(access.project_managers(demo_store).values()))[0]
    sign_in(app, demo_store, monkeypatch, pm, "pm")
    app.switch_page("app_pages/submissions.py").run()
    _no_exceptions(app)
    assert "Retract an upload" not in [h.value for h in app.subheader]
