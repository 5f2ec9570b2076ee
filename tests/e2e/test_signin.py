"""OIDC sign-in end to end, offline: a local provider (oidc-provider-mock on loopback), a real
`streamlit run` with `[auth]` in a secrets file of its own, headless Chromium signing in and
out. A pm sees only their own projects' upload path and no SQL explorer; a viewer scoped to
one portfolio sees only that portfolio on Home; an analyst scoped to it imports a register
of that portfolio's projects only; a member of the admins group (mapped in settings) sees the
admin pages.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from oidc_provider_mock import User, run_server_in_thread

from bench.harness import serve as streamlit_server
from epmo import access
from epmo.store import Store
from tests.conftest import project_row, projects_csv
from tests.e2e.conftest import extract_input, on_s3, s3_switch, shot, wait_for_app

SCOPE = "Corporate Systems"
VIEWER = "viewer.cs@example.org"
ANALYST = "analyst.cs@example.org"
ADMIN = "chief@example.org"

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group(name="e2e_a"), pytest.mark.fresh_context]


@pytest.fixture(scope="module")
def world(e2e_demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, object]]:
    root = tmp_path_factory.mktemp("signin")
    store_dir = root / "store"
    shutil.copytree(e2e_demo_template, store_dir)
    store = Store(str(store_dir))
    managers = access.project_managers(store)
    counts: dict[str, int] = {}
    for pm in managers.values():
        counts[pm] = counts.get(pm, 0) + 1
    pm_email = max(sorted(counts), key=lambda e: counts[e])
    mine = sorted(p for p, e in managers.items() if e == pm_email)
    others = sorted(set(managers) - set(mine))
    boot = access.demo_identity(via="cli")
    access.grant(store, boot, "ops@example.org", "admin")
    ops = access.cli_identity(store, "ops@example.org")
    access.grant(store, ops, pm_email, "pm")
    access.grant(store, ops, VIEWER, "viewer", [SCOPE])
    access.grant(store, ops, ANALYST, "analyst", [SCOPE])
    owners = store.rows("access/project_managers")
    portfolios = {r["portfolio"] for r in owners}
    ours = min((r for r in owners if r["portfolio"] == SCOPE), key=lambda r: r["project_id"])
    theirs = min((r for r in owners if r["portfolio"] != SCOPE), key=lambda r: r["project_id"])
    settings = root / "settings.toml"
    settings.write_text('[auth.group_roles]\n"epmo-admins" = "admin"\n', encoding="utf-8")
    users = [
        User(sub=pm_email, claims={"email": pm_email, "name": "Project Manager"}),
        User(sub=VIEWER, claims={"email": VIEWER, "name": "Scoped Viewer"}),
        User(sub=ANALYST, claims={"email": ANALYST, "name": "Scoped Analyst"}),
        User(sub=ADMIN, claims={"email": ADMIN, "name": "Chief", "groups": ["epmo-admins"]}),
    ]
    with run_server_in_thread(port=0, user_claims=users) as provider:
        issuer = f"http://localhost:{provider.server_port}"
        port = streamlit_server.free_port()
        url = f"http://localhost:{port}"
        secrets = root / "secrets.toml"
        secrets.write_text(
            "[auth]\n"
            f'redirect_uri = "{url}/oauth2callback"\n'
            'cookie_secret = "an offline test secret that is long enough"\n'
            'client_id = "epmo-test"\n'
            'client_secret = "epmo-test-secret"\n'
            f'server_metadata_url = "{issuer}/.well-known/openid-configuration"\n'
            'client_kwargs = { scope = "openid profile email" }\n',
            encoding="utf-8",
        )
        with _streamlit(store_dir, port, secrets, settings):
            yield {
                "url": url,
                "pm": pm_email,
                "mine": mine,
                "others": others,
                "portfolios": portfolios,
                "ours": ours,
                "theirs": theirs,
            }


@contextlib.contextmanager
def _streamlit(store: Path, port: int, secrets: Path, settings: Path) -> Iterator[None]:
    env = {"EPMO_STORE": str(store), "EPMO_SETTINGS": str(settings), "EPMO_AUTH": ""}
    if s3_switch():  # `make test-s3`: the prepared store is copied to the loopback S3 server
        uri, s3 = on_s3(store)
        env |= {"EPMO_STORE": uri} | s3
    try:
        proc, _ = streamlit_server.start(env, port=port, extra_args=["--secrets.files", str(secrets)])
    except streamlit_server.NotStarted as exc:
        pytest.fail(str(exc))
    try:
        yield
    finally:
        streamlit_server.stop(proc)


def sign_in(page, url: str, who: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(url)
    page.get_by_role("button", name="Sign in").click(timeout=30_000)
    # the provider's authorisation page: the predefined users are buttons
    page.get_by_role("button", name=who, exact=True).click()
    page.wait_for_url(f"{url}/**", timeout=30_000)
    wait_for_app(page)
    page.get_by_text(f"Signed in as {who}").wait_for(timeout=30_000)


def nav_text(page) -> str:  # type: ignore[no-untyped-def]
    """The navigation's text (the header's section menus: a section with no page the identity
    may open is not there at all)."""
    nav = page.locator("header, [data-testid='stSidebarNav']")
    nav.first.wait_for()
    return " | ".join(nav.all_inner_texts())


def opens(page, url: str, path: str, title: str) -> bool:  # type: ignore[no-untyped-def]
    """Whether the page at `path` runs for this identity (its title shows)."""
    page.goto(f"{url}/{path}")
    wait_for_app(page)
    page.wait_for_timeout(1500)
    found = page.get_by_role("heading", name=title).count() > 0
    page.keyboard.press("Escape")  # Streamlit's "page not found" dialog, when it is not
    return bool(found)


def test_a_pm_signs_in_sees_only_their_upload_path_and_signs_out(page, world) -> None:  # type: ignore[no-untyped-def]
    url, pm = str(world["url"]), str(world["pm"])
    page.goto(url)
    wait_for_app(page)
    page.get_by_role("button", name="Sign in").wait_for(timeout=30_000)
    shot(page, "signin_screen")
    assert "demo mode" not in page.content()
    sign_in(page, url, pm)
    page.get_by_text("Role: pm").wait_for()
    nav = nav_text(page)
    assert "Data" in nav and "Analysis" not in nav and "Admin" not in nav, nav
    shot(page, "signin_pm_home")

    page.goto(f"{url}/upload")
    wait_for_app(page)
    note = page.get_by_text("As a project manager you may submit rows for your projects")
    note.wait_for(timeout=30_000)
    text = note.inner_text()
    for pid in world["mine"]:  # type: ignore[attr-defined]
        assert pid in text
    for pid in world["others"]:  # type: ignore[attr-defined]
        assert f"{pid}," not in text and not text.rstrip().endswith(pid)
    shot(page, "signin_pm_upload")

    # not in this identity's navigation: the address does not open it
    assert not opens(page, url, "explorer", "SQL explorer")
    assert page.locator("textarea").count() == 0
    shot(page, "signin_pm_explorer_refused")

    page.goto(url)  # (Streamlit's "page not found" dialog above makes the rest inert)
    wait_for_app(page)
    page.get_by_text(f"Signed in as {pm}").wait_for(timeout=60_000)
    page.get_by_role("button", name="Sign out").click(timeout=60_000)
    with contextlib.suppress(Exception):  # the provider's end-session page, or the app again
        page.wait_for_url(lambda u: "/oauth2callback" not in u and u != url + "/", timeout=15_000)
    signed_out = False
    for _ in range(3):  # the logout's own redirects may still be landing: go again until done
        page.wait_for_timeout(2000)
        with contextlib.suppress(Exception):
            page.goto(url)
            wait_for_app(page)
            page.get_by_role("button", name="Sign in").wait_for(timeout=30_000)
            signed_out = True
            break
    shot(page, "signin_signed_out")
    assert signed_out, page.inner_text("body")[:1000]
    assert page.get_by_text(f"Signed in as {pm}").count() == 0


def test_a_scoped_viewer_sees_only_their_portfolio_on_home(page, world) -> None:  # type: ignore[no-untyped-def]
    url = str(world["url"])
    sign_in(page, url, VIEWER)
    page.get_by_text(f"Role: viewer · {SCOPE}").wait_for()
    page.wait_for_selector(".js-plotly-plot", timeout=30_000)
    page.wait_for_timeout(1500)
    html = page.content()
    others = set(world["portfolios"]) - {SCOPE}  # type: ignore[arg-type]
    assert others
    for other in others:
        assert other not in html and other.replace("&", "&amp;") not in html, other
    nav = nav_text(page)
    assert "Analysis" not in nav and "Admin" not in nav, nav
    shot(page, "signin_viewer_home")
    assert not opens(page, url, "upload", "Upload a weekly extract")
    assert not opens(page, url, "submissions", "Submissions ledger")


def test_a_scoped_analyst_imports_a_register_of_their_portfolio_only(page, world, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """access.MATRIX["upload"]["analyst"] is "their portfolios": a register with a row of
    another portfolio's project is refused on that row (its portfolio not named), nothing
    stored; the same register without it is stored under the analyst's email."""
    url = str(world["url"])
    ours, theirs = dict(world["ours"]), dict(world["theirs"])  # type: ignore[call-overload]
    sign_in(page, url, ANALYST)
    page.get_by_text(f"Role: analyst · {SCOPE}").wait_for()
    nav = nav_text(page)
    assert "Analysis" in nav and "Data" in nav and "Admin" not in nav, nav
    page.goto(f"{url}/upload")
    wait_for_app(page)
    page.get_by_text("As an analyst you may import rows for the projects of your portfolios").wait_for(
        timeout=30_000
    )
    ours_row = project_row(ours["project_id"], portfolio=SCOPE, project_manager=ours["project_manager"])
    theirs_row = project_row(
        theirs["project_id"], portfolio=theirs["portfolio"], project_manager=theirs["project_manager"]
    )
    register = tmp_path / "register.csv"
    register.write_bytes(projects_csv(ours_row, theirs_row))
    extract_input(page).set_input_files(str(register))
    page.get_by_text("cannot be stored").wait_for(timeout=30_000)
    refused = page.locator(".epmo-text-table tr").filter(
        has_text="may submit rows only for projects of your portfolios"
    )
    refused.first.wait_for(timeout=30_000)  # the report's rows, their problems in full
    assert refused.count() == 1 and theirs["project_id"] in refused.inner_text()
    assert theirs["portfolio"] not in page.content()
    assert page.get_by_role("button", name="Commit upload").count() == 0
    shot(page, "signin_analyst_register_refused")

    ok = tmp_path / "register_ours.csv"
    ok.write_bytes(projects_csv(ours_row))
    page.goto(f"{url}/upload")  # a fresh uploader
    wait_for_app(page)
    extract_input(page).set_input_files(str(ok))
    page.get_by_text("is valid").wait_for(timeout=30_000)
    page.get_by_role("button", name="Commit upload").click()
    page.get_by_text("Stored as upload").wait_for(timeout=30_000)
    assert page.locator("[data-testid='stException']").count() == 0


def test_the_admins_group_maps_to_admin(page, world) -> None:  # type: ignore[no-untyped-def]
    url = str(world["url"])
    sign_in(page, url, ADMIN)
    page.get_by_text("Role: admin · every portfolio").wait_for()
    nav = nav_text(page)
    assert "Analysis" in nav and "Admin" in nav, nav
    assert opens(page, url, "audit", "Audit trail")
    assert opens(page, url, "access_admin", "Access")
    assert opens(page, url, "explorer", "SQL explorer")
