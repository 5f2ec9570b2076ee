"""The health pages in headless Chromium: every page with its charts, clicking a project
opens its page, and that page's address is a link that opens it again."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import DEMO_END, shot, wait_for_app

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group(name="e2e_b"), pytest.mark.reads_only]

CHART = "[data-testid='stPlotlyChart'] .main-svg"


def _charts_drawn(page, at_least: int) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_function(f'() => document.querySelectorAll("{CHART}").length >= {at_least}', timeout=30_000)


def _href(page) -> str:  # type: ignore[no-untyped-def]
    return str(page.evaluate("location.href"))


def _click_first_row(page) -> None:  # type: ignore[no-untyped-def]
    """Select the first row of the first visible table (the grid draws on a canvas)."""
    grid = page.locator("[data-testid='stDataFrame']:visible").first
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + 18, box["y"] + 35 + 17)


@pytest.mark.parametrize(
    ("path", "title", "charts"),
    [
        ("", "Portfolio overview", 1),
        ("health", "Portfolio health", 2),
        ("changes", "What changed", 1),
        ("data_quality", "Data quality and submissions", 1),
        ("project?project=PRJ-0002", None, 4),
    ],
)
def test_page_renders_with_its_charts(page, app_url: str, path: str, title: str | None, charts: int) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{app_url}/{path}")
    wait_for_app(page)
    if title:
        page.get_by_role("heading", name=title).wait_for()
    _charts_drawn(page, charts)
    assert page.locator("[data-testid='stException']").count() == 0
    shot(page, f"health_{(path or 'home').split('?')[0]}")


def test_health_tabs_each_draw(page, app_url: str) -> None:  # type: ignore[no-untyped-def]
    """Only the open tab runs; opening one draws its charts and puts it in the address."""
    page.goto(f"{app_url}/health")
    wait_for_app(page)
    for tab, charts in (("Budget burn", 1), ("Milestones", 1), ("RAID", 2)):
        page.get_by_role("tab", name=tab).click()
        page.wait_for_function(
            "(t) => new URLSearchParams(location.search).get('tab') === t", arg=tab, timeout=30_000
        )
        wait_for_app(page)
        _charts_drawn(page, charts)
        shot(page, f"health_tab_{tab.lower().replace(' ', '_')}")
    assert page.locator("[data-testid='stException']").count() == 0


@pytest.mark.parametrize(
    ("query", "suffix"),
    [("", ""), ("&portfolio=Corporate%20Systems", "_portfolio-Corporate-Systems")],
    ids=["whole portfolio", "one portfolio"],
)
def test_a_table_downloads_as_csv(page, app_url: str, query: str, suffix: str) -> None:  # type: ignore[no-untyped-def]
    """Download files are built when the button is clicked; a filtered page's file says its
    filter in its name (one portfolio's table read later passed for the whole portfolio's)."""
    import csv

    page.goto(f"{app_url}/health?tab=Projects{query}")
    wait_for_app(page)
    page.get_by_role("heading", name="All projects: declared and computed RAG, earned value").wait_for()
    button = page.locator("[data-testid='stDownloadButton'] button", has_text="CSV").last
    with page.expect_download(timeout=60_000) as info:
        button.click()
    with open(info.value.path(), encoding="utf-8-sig", newline="") as f:
        header = f.readline()
        f.seek(0)
        rows = list(csv.DictReader(f))
    assert header.startswith("project_id,project_name,portfolio")
    assert all(r["project_id"].startswith("PRJ-") for r in rows)
    assert info.value.suggested_filename == f"project_health_{DEMO_END.isoformat()}{suffix}.csv"
    if suffix:
        assert rows and {r["portfolio"] for r in rows} == {"Corporate Systems"}
    else:
        assert len(rows) >= 10 and len({r["portfolio"] for r in rows}) > 1


def test_clicking_a_project_opens_its_page_with_a_shareable_link(page, app_url: str, browser) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{app_url}/health")
    wait_for_app(page)
    page.get_by_role("tab", name="Projects").click()
    wait_for_app(page)
    first = page.locator("[data-testid='stDataFrame']:visible").first.locator("[role='row']").nth(1)
    project_id = first.locator("[role='gridcell']").first.inner_text().strip()
    _click_first_row(page)
    page.wait_for_function("() => location.pathname.endsWith('/project')", timeout=30_000)
    wait_for_app(page)
    _charts_drawn(page, 4)
    link = _href(page)
    assert f"project={project_id}" in link and f"as_of={DEMO_END.isoformat()}" in link
    title = page.locator("h1").first.inner_text()
    shot(page, "project_from_click")
    other = browser.new_context(viewport={"width": 1440, "height": 900}).new_page()
    other.goto(link)
    wait_for_app(other)
    assert other.locator("h1").first.inner_text() == title
    other.context.close()


def test_biggest_mover_opens_from_home(page, app_url: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(app_url)
    wait_for_app(page)
    movers = page.locator("[data-testid='stDataFrame']").first
    name = movers.locator("[role='row']").nth(1).locator("[role='gridcell']").first.inner_text().strip()
    _click_first_row(page)
    page.wait_for_function("() => location.pathname.endsWith('/project')", timeout=30_000)
    wait_for_app(page)
    assert page.locator("h1").first.inner_text().strip() == name
