"""Presentation mode in headless Chromium at 1920x1080: a prepared link opens the deck with
no Streamlit chrome, next and previous walk the slides, every slide says its week."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DEMO_END, SHOTS, wait_for_app

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group(name="e2e_b"), pytest.mark.reads_only]

CHART = "[data-testid='stPlotlyChart'] .main-svg"


@pytest.fixture
def screen(tab):  # type: ignore[no-untyped-def]
    return tab(1920, 1080)


def _settled(page, title: str, charts: int) -> None:  # type: ignore[no-untyped-def]
    wait_for_app(page, timeout=60_000)
    page.get_by_role("heading", name=title).first.wait_for(timeout=60_000)
    page.wait_for_function(f'() => document.querySelectorAll("{CHART}").length >= {charts}', timeout=60_000)
    page.wait_for_timeout(1500)  # let the charts and grids paint


def _shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    """What the projector shows (the 1920x1080 viewport) and the whole slide."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))
    page.screenshot(path=str(SHOTS / f"{name}_full.png"), full_page=True)


def _click(page, name: str) -> None:  # type: ignore[no-untyped-def]
    wait_for_app(page, timeout=60_000)
    button = page.get_by_role("button", name=name)
    button.scroll_into_view_if_needed()
    button.click()
    page.wait_for_timeout(600)


def test_presentation_mode_deck_at_1920x1080(screen, app_url: str) -> None:  # type: ignore[no-untyped-def]
    page = screen
    deck = quote("Steering committee")
    page.goto(f"{app_url}/deck?present=1&deck={deck}&slide=1&as_of={DEMO_END.isoformat()}")
    _settled(page, "Portfolio overview (1 of 2)", 0)
    # no chrome: sidebar, header, toolbar and deploy button are hidden
    for testid in ("stSidebar", "stHeader", "stToolbar", "stAppDeployButton"):
        expect(page.locator(f"[data-testid='{testid}']").first).to_be_hidden()
    week = DEMO_END.isocalendar().week
    expect(page.get_by_text(f"As of week {week}").first).to_be_visible()
    expect(page.get_by_text("Slide 1 of 8")).to_be_visible()
    _shot(page, "steering_present_1_overview")
    _click(page, "Next")  # twelve metrics leave no room for readable figures: they follow
    _settled(page, "Portfolio overview (2 of 2)", 1)
    expect(page.get_by_text("Slide 1 of 8")).to_be_visible()
    _shot(page, "steering_present_1_overview_figures")

    _click(page, "Next")
    _settled(page, "Portfolio health (1 of 4)", 1)
    expect(page.get_by_text("Slide 2 of 8")).to_be_visible()
    expect(page.get_by_text(f"As of week {week}").first).to_be_visible()
    _shot(page, "steering_present_2_health")
    _click(page, "Next")  # the watermelons and their reasons, in sentences: the whole width
    _settled(page, "Portfolio health (2 of 4)", 0)
    page.locator(".epmo-slide-table td").first.wait_for(timeout=60_000)
    # six of them: three a screen, never a table scrolling inside the slide
    expect(page.get_by_text("(rows 1-3 of 6)")).to_be_visible()
    _shot(page, "steering_present_2_health_watermelons")
    _click(page, "Next")
    _settled(page, "Portfolio health (3 of 4)", 0)
    expect(page.get_by_text("(rows 4-6 of 6)")).to_be_visible()
    _click(page, "Next")  # the slide's last screen: the RAG matrix, which needs the width
    _settled(page, "Portfolio health (4 of 4)", 1)
    expect(page.get_by_text("Slide 2 of 8")).to_be_visible()

    _click(page, "Next")
    _settled(page, "What changed (1 of 2)", 1)
    _shot(page, "steering_present_3_changes")
    # its table of the largest changes, too wide for half the screen, on a screen of its own
    _click(page, "Next")
    _settled(page, "What changed (2 of 2)", 0)
    expect(page.locator(".epmo-slide-table").first).to_be_visible()

    _click(page, "Next")
    _settled(page, "Capacity", 1)
    _shot(page, "steering_present_4_capacity")

    _click(page, "Previous")
    _settled(page, "What changed", 1)
    expect(page.get_by_text("Slide 3 of 8")).to_be_visible()
    assert "slide=3" in page.url
    assert page.locator("[data-testid='stException']").count() == 0

    _click(page, "Exit presentation mode")
    wait_for_app(page, timeout=60_000)
    page.locator("[data-testid='stSidebar']").first.wait_for(state="visible", timeout=30_000)
    page.get_by_role("heading", name="Steering deck").wait_for(timeout=30_000)
    _shot(page, "steering_deck_normal")


def test_ranking_and_project_slides_render(screen, app_url: str) -> None:  # type: ignore[no-untyped-def]
    page = screen
    deck = quote("Steering committee")
    page.goto(f"{app_url}/deck?present=1&deck={deck}&slide=5&as_of={DEMO_END.isoformat()}")
    # the ranking's chart has the whole width, then its table on a screen of its own
    _settled(page, "Project ranking (1 of 2)", 1)
    _shot(page, "steering_present_5_ranking")
    _click(page, "Next")
    _settled(page, "Project ranking (2 of 2)", 0)
    # presented, a slide's table is text in large type, not the 13 px interactive grid
    cell = page.locator(".epmo-slide-table td").first
    cell.wait_for(timeout=60_000)
    assert float(cell.evaluate("c => parseFloat(getComputedStyle(c).fontSize)")) >= 16
    expect(page.locator(".epmo-slide-table th").filter(has_text="MoSCoW")).to_be_visible()
    _shot(page, "steering_present_5_ranking_table")
    _click(page, "Next")
    wait_for_app(page, timeout=60_000)
    page.get_by_text("Slide 6 of 8").wait_for(timeout=60_000)
    page.wait_for_function(f'() => document.querySelectorAll("{CHART}").length >= 1', timeout=60_000)
    page.wait_for_timeout(1500)
    _shot(page, "steering_present_6_project")
    assert page.locator("[data-testid='stException']").count() == 0


def test_html_pack_downloads_and_draws_its_charts_offline(browser, screen, app_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    page = screen
    page.goto(f"{app_url}/deck?deck={quote('Steering committee')}&slide=1&as_of={DEMO_END.isoformat()}")
    _settled(page, "Portfolio overview", 1)
    button = page.get_by_role("button", name="Steering pack (HTML, offline)")
    button.scroll_into_view_if_needed()
    with page.expect_download(timeout=120_000) as info:
        button.click()
    path = tmp_path / "pack.html"
    info.value.save_as(str(path))
    offline = browser.new_context(viewport={"width": 1920, "height": 1080}, offline=True)
    requests: list[str] = []
    offline.on("request", lambda r: requests.append(r.url))
    try:
        view = offline.new_page()
        view.goto(path.as_uri())
        view.wait_for_function('() => document.querySelectorAll(".main-svg").length >= 8', timeout=60_000)
        expect(view.get_by_role("heading", name="Steering committee")).to_be_visible()
        assert [u for u in requests if not u.startswith(("file:", "data:", "blob:"))] == []
        view.wait_for_timeout(800)
        view.screenshot(path=str(SHOTS / "steering_pack_html.png"))
    finally:
        offline.close()
