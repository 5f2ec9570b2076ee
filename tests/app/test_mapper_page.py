"""The Mapper page (AppTest): a foreign export mapped with a shipped mapping, previewed,
saved as the signed-in person (a pm or an analyst); who may not upload is not offered the page."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from epmo.store import Store
from tests.app.conftest import sign_in

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
PAGE = "app_pages/mapper.py"


def _open_with_melbourne(app: AppTest) -> AppTest:
    app.switch_page(PAGE).run()
    assert not app.exception, [e.value for e in app.exception]
    assert "Upload an export to map its columns." in [i.value for i in app.info]
    body = (FIXTURES / "melbourne_water_sample.csv").read_bytes()
    app.file_uploader(key="mapper_file").upload("melbourne.csv", body, "text/csv")
    app.selectbox(key="mapper_start").set_value("melbourne_water_capital").run()
    assert not app.exception, [e.value for e in app.exception]
    return app


@pytest.mark.parametrize("role", ["pm", "analyst"])
def test_a_pm_or_analyst_previews_checks_and_saves_a_mapping(
    app: AppTest, demo_store: Store, monkeypatch: pytest.MonkeyPatch, role: str
) -> None:
    """A pm maps their own tool's export; an analyst a foreign register (access.MATRIX:
    "own projects", "their portfolios"): both save the mapping under their own name."""
    email = f"{role}.mapper@example.org"
    sign_in(app, demo_store, monkeypatch, email, role)
    _open_with_melbourne(app)
    assert not app.error, [e.value for e in app.error]
    # the preview (AppTest gives a dataframe's key only to the editor above it)
    preview = next(d.value for d in app.dataframe if "mapper_editor" not in d.proto.id)
    assert len(preview) > 0 and "project_id" in preview.columns
    assert "Q05388" in preview["project_id"].tolist()  # the export's own ID column, mapped
    assert not app.button(key="mapper_save").disabled
    app.text_input(key="mapper_name").set_value("melbourne e2e").run()
    app.button(key="mapper_save").click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert any("Saved mapping" in s.value for s in app.success)
    saved = [d for d in Store(demo_store.uri).documents("mapping") if d["name"] == "melbourne e2e"]
    assert [d["saved_by"] for d in saved] == [email]


def test_who_may_not_upload_is_not_offered_the_mapper(
    app: AppTest, demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Mapper saves mappings for uploads (access.MATRIX["upload"]): a role that may not
    upload (a viewer) does not get the page; opening it by its address shows the overview."""
    sign_in(app, demo_store, monkeypatch, "viewer.mapper@example.org", "viewer")
    app.switch_page(PAGE).run()
    assert not app.exception, [e.value for e in app.exception]
    assert [t.value for t in app.title] != ["Mapper"]
    assert not [w for w in app.get("file_uploader") if w.key == "mapper_file"]
    assert not [b for b in app.button if b.key == "mapper_save"]
    assert Store(demo_store.uri).documents("mapping") == []
