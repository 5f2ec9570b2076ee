"""The AppTest fixture every page test uses: the app on a private copy of the demo store."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from epmo.store import Store

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def app(demo_store: Store, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("EPMO_STORE", demo_store.uri)
    st.cache_resource.clear()  # the app's Store is a cached resource: point it at this test's store
    st.cache_data.clear()
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
