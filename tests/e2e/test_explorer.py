"""The SQL explorer in headless Chromium: a query with its result and chart, a library query,
a refusal, and a query DuckDB cannot interrupt killed at its time limit while another browser
is served."""

from __future__ import annotations

import time

import pytest

from tests.e2e.conftest import shot, wait_for_app

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group(name="e2e_a"), pytest.mark.reads_only]

CHART = "[data-testid='stPlotlyChart'] .main-svg"
QUERY = (
    "SELECT portfolio, count(*) AS project_count, round(sum(bac) / 1e6, 1) AS bac_millions\n"
    "FROM project_health\nGROUP BY portfolio\nORDER BY bac_millions DESC"
)


def _open(page, app_url: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{app_url}/explorer")
    wait_for_app(page, timeout=60_000)
    page.get_by_role("heading", name="SQL explorer").wait_for(timeout=60_000)


def _type_sql(page, text: str) -> None:  # type: ignore[no-untyped-def]
    editor = page.locator("[data-testid='stTextArea'] textarea").first
    editor.fill(text)
    editor.press("Control+Enter")  # commit the text area's value
    wait_for_app(page, timeout=60_000)


def _tall_shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    """The page scrolls inside Streamlit's main block: a tall window shows all of it."""
    page.set_viewport_size({"width": 1440, "height": 1700})
    wait_for_app(page, timeout=60_000)
    shot(page, name)
    page.set_viewport_size({"width": 1440, "height": 900})


def _run(page) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("button", name="Run").first.click()


def test_query_result_and_chart(page, app_url: str) -> None:  # type: ignore[no-untyped-def]
    _open(page, app_url)
    _type_sql(page, QUERY)
    _run(page)
    page.get_by_role("heading", name="Result").wait_for(timeout=60_000)
    wait_for_app(page, timeout=60_000)
    page.wait_for_function(f'() => document.querySelectorAll("{CHART}").length >= 1', timeout=60_000)
    assert page.get_by_text("rows · 3 columns").count() == 1
    assert page.locator("[data-testid='stException']").count() == 0
    assert page.locator("[data-testid='stDownloadButton']").count() >= 2
    _tall_shot(page, "explorer_query_result_chart")


def test_library_query_and_a_refusal(page, app_url: str) -> None:  # type: ignore[no-untyped-def]
    _open(page, app_url)
    page.locator("[data-testid='stSelectbox']").filter(has_text="Query file").click()
    page.keyboard.type("health/rag_matrix")
    page.get_by_role("option", name="health/rag_matrix").click()
    wait_for_app(page, timeout=60_000)
    page.get_by_text("Grain:", exact=True).wait_for(timeout=60_000)
    page.get_by_role("button", name="Run").nth(1).click()  # the library's Run
    page.get_by_role("heading", name="Result").wait_for(timeout=60_000)
    wait_for_app(page, timeout=60_000)
    assert page.get_by_role("textbox", name="$as_of").input_value() == "2026-11-20"
    _tall_shot(page, "explorer_library_query")
    _type_sql(page, "COPY projects TO '/tmp/epmo-e2e-copy.csv'")
    _run(page)
    page.get_by_text("COPY is not allowed in the explorer").wait_for(timeout=60_000)
    assert page.locator("[data-testid='stException']").count() == 0
    _tall_shot(page, "explorer_refused")


def test_a_slow_query_does_not_stop_the_app_serving_others(page, app_url: str, browser) -> None:  # type: ignore[no-untyped-def]
    _open(page, app_url)
    # DuckDB cannot interrupt this inside a chunk (147 s before the worker process): the worker is killed
    _type_sql(page, "SELECT levenshtein(repeat('a',30000), repeat('b',30000)||range::VARCHAR) FROM range(40)")
    started = time.monotonic()
    _run(page)
    other = browser.new_context(viewport={"width": 1440, "height": 900}).new_page()
    try:
        other.goto(f"{app_url}/health")
        wait_for_app(other, timeout=60_000)
        other.get_by_role("heading", name="Portfolio health").wait_for(timeout=60_000)
        served = time.monotonic() - started
        page.locator("[data-testid='stAlert']").filter(has_text="Stopped after 10 s").wait_for(timeout=90_000)
        stopped = time.monotonic() - started
    finally:
        other.context.close()
    assert stopped >= 9.5  # the slow query ran to its 10 s limit...
    assert stopped < 10 + 30  # ...and no longer than the limit and the worker's start limit
    assert served < stopped  # ...and the other user's page was served before it ended
    _tall_shot(page, "explorer_time_limit")
