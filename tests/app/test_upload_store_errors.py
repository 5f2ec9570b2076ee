"""The Upload page when the store refuses the write (disk full, read-only): a sentence, no
traceback, nothing saved."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from epmo import demo
from epmo.store import Store, StoreWriteError
from tests.app.conftest import sign_in
from tests.conftest import DEMO_END


def test_a_store_that_cannot_be_written_is_said_in_words(
    app: AppTest, demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = demo_store.rows("ledger/upload_count")[0]["upload_count"]
    app.switch_page("app_pages/upload.py").run()
    data = demo.sample_extract("small", seed=3, end=DEMO_END)
    app.file_uploader(key="upload_file").upload(
        "extract.xlsx", data, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    app.date_input(key="upload_as_of").set_value(DEMO_END).run()
    assert "is valid" in app.success[0].value

    def full(self: Store, *args: object, **kwargs: object) -> None:
        raise StoreWriteError(self.uri, "disk full")

    monkeypatch.setattr(Store, "commit", full)
    app.button(key="commit").click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert any("could not be written: disk full. Nothing was saved" in e.value for e in app.error)
    assert not any("Stored as upload" in s.value for s in app.success)
    assert Store(demo_store.uri).rows("ledger/upload_count")[0]["upload_count"] == before


def test_retracting_an_upload_someone_just_retracted_says_so(
    app: AppTest, demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page listed the upload as live; another admin's retraction commits first."""
    sign_in(app, demo_store, monkeypatch, "admin@example.org", "admin")
    app.switch_page("app_pages/submissions.py").run()
    upload_id = app.selectbox(key="retract_id").value
    assert upload_id
    real = Store.retract

    def raced(self: Store, uid: str, user: str, reason: str) -> None:
        real(Store(self.uri), uid, "other@example.org", "done elsewhere first")
        real(self, uid, user, reason)

    monkeypatch.setattr(Store, "retract", raced)
    app.text_input(key="retract_reason").input("wrong week")
    next(b for b in app.button if b.label == "Retract").click()
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    assert any("already retracted" in e.value for e in app.error), [e.value for e in app.error]
    events = Store(demo_store.uri).rows("ledger/upload_by_id", upload_id=upload_id)
    assert events and events[0]["is_retracted"]


def test_a_store_that_cannot_be_read_is_said_in_words(
    s3_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An object store the app cannot read showed Streamlit's bare "An error occurred". (The
    other failures' words are store.read_failure's, tested in tests/unit/test_objectstore.py;
    an unreachable endpoint costs the Delta library's retries, 2.5 s a read.)"""
    uri, env, said = "s3://nosuchbucket/store", {}, "its bucket does not exist"
    from pathlib import Path

    from tests.objectstore import s3_env

    for k, v in (s3_env(s3_endpoint) | env | {"EPMO_STORE": uri}).items():
        monkeypatch.setenv(k, v)
    app = AppTest.from_file(str(Path(__file__).resolve().parents[2] / "app.py"), default_timeout=90)
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    assert [e.value for e in app.error if said in e.value and "cannot be read" in e.value], [
        e.value for e in app.error
    ]
