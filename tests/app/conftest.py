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
