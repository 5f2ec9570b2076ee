"""Pages while a replica builds its connection for newer data (epmo/swr.py via
app_pages/_shared.snapshot): other sessions are served the previous version with a note,
then the new one; the session that uploaded reads its own upload at once."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from epmo import demo
from epmo.ingest import ACCEPTED, ingest
from epmo.store import Store
from tests.app.conftest import run_until_current, stale_note
from tests.conftest import DEMO_END

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """Holds the background rebuild (the thread epmo.swr starts) until set: the build in flight."""
    release = threading.Event()
    original = Store.connect

    def connect(self: Store, *args, **kwargs):  # type: ignore[no-untyped-def]
        if threading.current_thread().name == "epmo-rebuild":
            assert release.wait(60), "the test never released the rebuild"
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Store, "connect", connect)
    yield release
    release.set()


def _session(demo_store: Store, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("EPMO_STORE", demo_store.uri)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.switch_page("app_pages/submissions.py")
    return at


def _uploads(at: AppTest) -> int:
    assert not at.exception, [e.value for e in at.exception]
    return int(next(m.value for m in at.metric if m.label == "Uploads").replace(",", ""))


def _upload_in_app(at: AppTest, name: str, seed: int) -> None:
    """Commit a demo workbook through the Upload page in this session."""
    at.switch_page("app_pages/upload.py").run()
    at.file_uploader(key="upload_file").upload(
        name,
        demo.sample_extract("small", seed=seed, end=DEMO_END),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    at.date_input(key="upload_as_of").set_value(DEMO_END).run()
    at.button(key="commit").click().run()
    assert any("Stored as upload" in s.value for s in at.success)


def test_others_are_served_the_previous_version_while_the_new_one_builds(
    demo_store: Store, monkeypatch: pytest.MonkeyPatch, gate: threading.Event
) -> None:
    reader = _session(demo_store, monkeypatch).run()
    before = _uploads(reader)
    assert not stale_note(reader)
    out = ingest(
        Store(demo_store.uri),
        "weekly_extract_late.xlsx",
        demo.sample_extract("small", seed=17, end=DEMO_END),
        as_of=DEMO_END,
        user_email="late@example.org",
    )
    assert out.status == ACCEPTED
    reader.run()
    assert _uploads(reader) == before  # the previous version, at once ...
    note = stale_note(reader)
    assert "Showing the data as read at" in note and "is loading" in note  # ... and says so
    reader.run()
    assert _uploads(reader) == before and stale_note(reader)  # still building: still the previous one
    gate.set()
    run_until_current(reader)  # then the new version, once built and warmed
    assert _uploads(reader) == before + 1


def test_the_uploader_reads_its_own_upload_at_once(
    demo_store: Store, monkeypatch: pytest.MonkeyPatch, gate: threading.Event
) -> None:
    """Without its own write remembered, the uploader's next page (or a reload's) would be
    served the previous version (the new one's background build is held by `gate`)."""
    uploader = _session(demo_store, monkeypatch).run()
    before = _uploads(uploader)
    _upload_in_app(uploader, "weekly_extract_mine.xlsx", seed=19)
    uploader.switch_page("app_pages/submissions.py").run()
    assert _uploads(uploader) == before + 1  # its own write, built in its own run
    assert not stale_note(uploader)
    frame = uploader.dataframe[0].value
    assert frame.astype(str).apply(lambda col: col.str.contains("weekly_extract_mine")).any().any()
    uploader.run()
    assert _uploads(uploader) == before + 1  # and never older afterwards
    reloaded = _session(demo_store, monkeypatch).run()  # the same user, a new session (a reload)
    assert _uploads(reloaded) == before + 1 and not stale_note(reloaded)


def test_a_deck_started_on_the_previous_version_is_pinned_again_once_the_new_one_shows(
    demo_store: Store, monkeypatch: pytest.MonkeyPatch, gate: threading.Event
) -> None:
    from tests.conftest import project_row, projects_csv

    def projects(at: AppTest) -> int:
        assert not at.exception, [e.value for e in at.exception]
        return int(next(m.value for m in at.metric if m.label == "Projects").replace(",", ""))

    warm = _session(demo_store, monkeypatch).run()  # the replica has built the current version
    out = ingest(Store(demo_store.uri), "late.csv", projects_csv(project_row("ZZ-NEW-9")), as_of=DEMO_END)
    assert out.status == ACCEPTED, out.report
    warm.run()  # a session asks: the new version builds in the background (held)
    deck = _session(demo_store, monkeypatch)
    deck.query_params["as_of"] = DEMO_END.isoformat()
    deck.switch_page("app_pages/deck.py").run()
    assert stale_note(deck)
    before = projects(deck)  # started on the previous version, and says so
    deck.run()
    assert projects(deck) == before  # still building: still the previous version
    gate.set()
    run_until_current(deck)
    assert projects(deck) == before + 1  # pinned again on the newer data, no restart needed
    deck.run()
    assert projects(deck) == before + 1  # and stays pinned


def test_a_page_opened_by_its_address_right_after_a_write_reads_it(
    demo_store: Store, monkeypatch: pytest.MonkeyPatch, gate: threading.Event
) -> None:
    """The session that wrote never runs again: the user opens another page by its address
    (a new session, as a browser does after saving a mapping). That session reads the write
    at once, even though the new version's background build is held."""
    uploader = _session(demo_store, monkeypatch).run()
    before = _uploads(uploader)
    _upload_in_app(uploader, "weekly_extract_then_away.xlsx", seed=23)
    opened = _session(demo_store, monkeypatch).run()  # no further run of `uploader`
    assert _uploads(opened) == before + 1 and not stale_note(opened)
