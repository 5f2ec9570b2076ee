"""Prioritisation pages in headless Chromium: ranking, sensitivity, selection and frontier."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import shot, wait_for_app

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group(name="e2e_a"), pytest.mark.reads_only]


def _no_exception(page) -> None:  # type: ignore[no-untyped-def]
    assert page.locator("[data-testid='stException']").count() == 0


def test_ranking_page(page, app_url: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{app_url}/priority_ranking")
    wait_for_app(page)
    page.get_by_role("heading", name="Project ranking").wait_for()
    page.get_by_text("weighted (built-in)").first.wait_for()
    page.wait_for_selector("[data-testid='stDataFrame']", timeout=20_000)
    page.wait_for_selector("[data-testid='stPlotlyChart'] .main-svg", timeout=20_000)
    assert page.locator("[data-testid='stPlotlyChart'] .barlayer .point").count() >= 10
    shot(page, "priority_ranking")
    page.get_by_role("heading", name="Score breakdown of the top projects").scroll_into_view_if_needed()
    shot(page, "priority_ranking_breakdown")
    _no_exception(page)


def test_sensitivity_page(page, app_url: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{app_url}/priority_sensitivity")
    wait_for_app(page)
    page.get_by_role("heading", name="Rank sensitivity").wait_for()
    page.wait_for_selector("[data-testid='stPlotlyChart'] .main-svg", timeout=20_000)
    page.get_by_text("1,000 runs").first.wait_for()
    shot(page, "priority_sensitivity")
    _no_exception(page)


def test_selection_and_frontier(page, app_url: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{app_url}/priority_selection")
    wait_for_app(page)
    page.get_by_role("heading", name="Portfolio selection").wait_for()
    page.get_by_text("Projects chosen").wait_for()
    shot(page, "priority_selection")
    page.get_by_role("tab", name="Efficient frontier").click()
    chart = page.locator("[data-testid='stPlotlyChart']").filter(has_text="current portfolio")
    chart.wait_for(timeout=30_000)
    page.get_by_text("Best total score at").wait_for(timeout=30_000)  # written once every level is in
    assert page.locator("[data-testid='stProgress']").count() == 0  # the progress bar is gone
    assert chart.count() == 1  # the chart drawn as the levels arrived was replaced by the finished one
    chart.scroll_into_view_if_needed()
    shot(page, "priority_frontier")
    _no_exception(page)


_CUT = "(b) => { const t = b.querySelector('[data-testid=\"stMarkdownContainer\"]'); return t.scrollWidth > t.clientWidth; }"


@pytest.mark.parametrize(
    ("path", "open_tab", "button"),
    [("priority_models", None, "Save model"), ("priority_selection", "Scenarios", "Save scenario")],
)
def test_save_buttons_read_in_full_at_1024(
    page, app_url: str, path: str, open_tab: str | None, button: str
) -> None:  # type: ignore[no-untyped-def]
    """The name, 'Saved by' and the button share a row that wraps: a fifth of the page cut
    the button to 'Save s…' at 1024 px."""
    page.set_viewport_size({"width": 1024, "height": 900})
    page.goto(f"{app_url}/{path}")
    wait_for_app(page)
    if open_tab:
        page.get_by_role("tab", name=open_tab).click()
        wait_for_app(page)
    save = page.get_by_role("button", name=button)
    save.wait_for()
    assert not save.evaluate(_CUT), f"{button} is cut off"
    _no_exception(page)
