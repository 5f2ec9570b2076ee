"""What a person does, in headless Chromium against a real `streamlit run`."""

from __future__ import annotations

from pathlib import Path

import pytest

from epmo import demo
from tests.e2e.conftest import DEMO_END, extract_input, shot, wait_for_app

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group(name="e2e_b")]


def test_every_page_renders_with_content(page, app_url: str) -> None:  # type: ignore[no-untyped-def]
    for path, title in [
        ("", "Portfolio overview"),
        ("upload", "Upload a weekly extract"),
        ("submissions", "Submissions ledger"),
        ("tables", "Tables as of the week"),
    ]:
        page.goto(f"{app_url}/{path}")
        wait_for_app(page)
        page.get_by_role("heading", name=title).wait_for()
        if path == "":
            page.wait_for_selector("[data-testid='stPlotlyChart'] .main-svg", timeout=20_000)
        if path in ("submissions", "tables"):
            page.wait_for_selector("[data-testid='stDataFrame']", timeout=20_000)
        shot(page, f"page_{path or 'home'}")
        assert page.locator("[data-testid='stException']").count() == 0


def test_filter_is_mirrored_in_the_url(page, app_url: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(app_url)
    wait_for_app(page)
    page.wait_for_selector("[data-testid='stPlotlyChart'] .main-svg", timeout=30_000)  # the page has settled
    option = page.locator("[role='option']").filter(has_not_text="Select all").first
    for _ in range(3):  # a click that lands while the page reruns opens nothing: try again
        page.locator("[data-testid='stSidebar'] [data-testid='stMultiSelect']").first.click()
        try:
            option.wait_for(timeout=5_000)
            break
        except Exception:  # noqa: BLE001 (playwright's TimeoutError; retried, then fails below)
            page.keyboard.press("Escape")
            wait_for_app(page)
    name = option.inner_text().strip()
    option.click()
    page.keyboard.press("Escape")
    wait_for_app(page)
    page.wait_for_function("() => window.location.search.includes('portfolio=')")
    shared = page.url
    assert "as_of=" + DEMO_END.isoformat() in shared
    other = page.context.new_page()
    other.goto(shared)
    wait_for_app(other)
    other.get_by_text(name).first.wait_for()
    shot(other, "home_filtered")
    other.close()


def test_upload_the_filled_demo_workbook_and_find_it_in_the_ledger(
    page, app_url: str, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    workbook = tmp_path / "weekly_extract_demo.xlsx"
    workbook.write_bytes(demo.sample_extract("small", seed=3, end=DEMO_END))
    page.goto(f"{app_url}/upload")
    wait_for_app(page)
    extract_input(page).set_input_files(str(workbook))
    page.get_by_text("is valid").wait_for(timeout=30_000)
    shot(page, "upload_validated")
    page.get_by_role("button", name="Commit upload").click()
    page.get_by_text("Stored as upload").wait_for(timeout=30_000)
    shot(page, "upload_committed")
    page.goto(f"{app_url}/submissions")
    wait_for_app(page)
    page.get_by_label("Filter by file, person or upload id").fill("weekly_extract_demo")
    page.get_by_label("Filter by file, person or upload id").press("Enter")
    wait_for_app(page)
    page.wait_for_function(
        "() => { const m = [...document.querySelectorAll('[data-testid=\"stMetricValue\"]')];"
        " return m.length > 0; }"
    )
    shot(page, "ledger_with_upload")
    grid = page.locator("[data-testid='stDataFrame']").first
    grid.wait_for()
    # the grid draws on canvas but keeps an accessible table of its cells in the DOM
    ours = page.locator("[data-testid='stDataFrame'] [role='row']").filter(has_text="weekly_extract_demo")
    assert ours.count() == 1


def test_a_broken_file_shows_its_problems(page, app_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "projects.csv"
    bad.write_text("project_id,project_name,portfolio\nP1,Alpha,Corp\n")
    page.goto(f"{app_url}/upload")
    wait_for_app(page)
    extract_input(page).set_input_files(str(bad))
    page.get_by_text("cannot be stored").wait_for(timeout=30_000)
    shot(page, "upload_rejected")
    assert page.locator("[data-testid='stException']").count() == 0
