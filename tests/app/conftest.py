"""The AppTest fixture every page test uses: the app on a private copy of the demo store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from epmo.store import Store

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _fresh_caches() -> Iterator[None]:
    """The app caches its Store and queries per process: each test uses its own store, and
    leaves no cached store behind for the tests that run after it in this worker."""
    st.cache_resource.clear()
    st.cache_data.clear()
    yield
    st.cache_resource.clear()
    st.cache_data.clear()


@pytest.fixture
def app(demo_store: Store, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("EPMO_STORE", demo_store.uri)
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)


def sign_in(
    app: AppTest,
    store: Store,
    monkeypatch: pytest.MonkeyPatch,
    email: str,
    role: str,
    portfolios: tuple[str, ...] = (),
    teams: tuple[str, ...] = (),
) -> None:
    """The app's next runs are `email`'s, with `role` on the store's access list: proxy mode
    (epmo/access.py), the identity coming in st.user as a trusted proxy's header would."""
    from epmo import access

    boss = access.demo_identity(via="cli") if not access.access_list(store) else None
    actor = boss or access.Identity(email="tests", role="admin", via="cli", mode="cli")
    access.grant(store, actor, email, role, list(portfolios), list(teams))
    monkeypatch.setenv("EPMO_AUTH", "proxy")
    app.user = {"email": email}
