"""The AppTest fixture every page test uses: the app on a private copy of the demo store."""

from __future__ import annotations

import time
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
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


STALE_NOTE = "newer data"  # app_pages/_shared._stale_note


def stale_note(app: AppTest) -> str:
    """The page's "showing the data as read at ...; newer data is loading" note, or ''."""
    return " ".join(c.value for c in app.caption if STALE_NOTE in c.value)


def run_until_current(app: AppTest, seconds: float = 60.0) -> AppTest:
    """Rerun until the page shows the store's current data: a write made outside the session
    (a test's direct ingest, another replica) is built in the background while the previous
    version is served with a note (app_pages/_shared.snapshot, epmo/swr.py)."""
    deadline = time.monotonic() + seconds
    app.run()
    while stale_note(app):
        assert time.monotonic() < deadline, f"still not current after {seconds} s: {stale_note(app)}"
        time.sleep(0.1)
        app.run()
    return app


class _TextTable(HTMLParser):
    """The header and cells of an app_pages._shared.text_table, as a browser reads them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag in ("th", "td"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("th", "td") and self._cell is not None:
            self.rows[-1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def text_tables(app: AppTest) -> list[pd.DataFrame]:
    """Every text_table on the page (a validation report), as shown: a column per header, in
    lower case ("Problem" -> "problem"), every cell as its text."""
    from app_pages._shared import TEXT_TABLE

    frames = []
    for body in (h.proto.body for h in app.get("html")):
        if body.startswith(TEXT_TABLE):
            parsed = _TextTable()
            parsed.feed(body)
            head, *rows = parsed.rows
            frames.append(pd.DataFrame(rows, columns=[h.lower() for h in head]))
    return frames


def validation_report(app: AppTest) -> pd.DataFrame:
    """The Upload page's validation report as shown (the page's one text_table)."""
    [report] = text_tables(app)
    return report
