"""Every page's address, opened by each role that is not the demo's admin, runs without an
exception. The other page tests mostly run as the demo's admin; a page's role-dependent
branches (a button disabled, a note, a link to a page the role does not have) ran for the
first time in front of the person. Until 2026-11-30 a viewer who chose a manager on My
projects got an exception: the page linked to Upload, which is not in a viewer's navigation.

Each identity is scoped to one portfolio (the scoped paths are the longer ones), with a
project manager chosen for the pages that ask for one. A page the role may not open shows
the overview instead (app.py leaves it out of the navigation); that must not fail either.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from epmo import access
from epmo.store import Store

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted(p.name for p in (ROOT / "app_pages").glob("*.py") if not p.name.startswith("_"))
SCOPE = "Corporate Systems"
PEOPLE = {role: f"{role}.scoped@example.org" for role in ("analyst", "pm", "viewer")}


@pytest.fixture(autouse=True)
def _fresh_caches() -> None:
    """The app's caches are kept from one run to the next within this module (all on the
    one store of `world`, keyed by its version and scope): a page's first run costs 0.5 s
    cold. `world` clears them before the first test and after the last."""


@pytest.fixture(scope="module")
def world(_demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A copy of the demo store whose access list names one scoped person per role (and an
    admin, so that the list rules); its first project manager, for My projects."""
    st.cache_resource.clear()
    st.cache_data.clear()
    root = tmp_path_factory.mktemp("roles") / "store"
    shutil.copytree(_demo_template, root)
    store = Store(str(root))
    boot = access.demo_identity(via="cli")
    access.grant(store, boot, "boss@example.org", "admin")
    boss = access.cli_identity(store, "boss@example.org")
    for role, email in PEOPLE.items():
        access.grant(store, boss, email, role, [SCOPE])
    manager = sorted(set(access.project_managers(store).values()))[0]
    yield {"uri": store.uri, "manager": manager}
    st.cache_resource.clear()
    st.cache_data.clear()


def test_the_sweep_covers_every_page_of_the_navigation() -> None:
    navigation = re.findall(r'st\.Page\("app_pages/(\w+\.py)"', (ROOT / "app.py").read_text(encoding="utf-8"))
    assert sorted(navigation) == PAGES


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("role", list(PEOPLE))
def test_each_role_opens_each_page_without_an_exception(
    world: dict[str, str], monkeypatch: pytest.MonkeyPatch, role: str, page: str
) -> None:
    monkeypatch.setenv("EPMO_STORE", world["uri"])
    monkeypatch.setenv("EPMO_AUTH", "proxy")
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    app.user = {"email": PEOPLE[role]}
    app.query_params["pm"] = world["manager"]
    app.switch_page(f"app_pages/{page}").run()
    assert not app.exception, [e.value for e in app.exception]
    assert [t.value for t in app.title], f"{page} as {role}: no title at all"
