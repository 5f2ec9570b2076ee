"""A hostile portfolio (tests/hostile.py) in a real browser: every page is visited with it
loaded, and nothing uploaded or typed becomes markup. No request leaves for a host other
than the app's, no link to a foreign host is in the DOM, no plotly SVG text holds an
anchor, no coloured directive, icon, emoji or formula from the data is drawn; the downloads
(CSV and XLSX through the app's buttons, the HTML and PowerPoint packs) are neutral.

The module runs its own `streamlit run` on its own store (module-scoped), so the other e2e
modules keep the demo store they expect.
"""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, urlparse

import pytest

from epmo.store import Store
from tests import hostile
from tests.e2e.conftest import serve, wait_for_app

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group(name="e2e_b")]

LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
PF = quote(hostile.PORTFOLIO)
# every page, with the sidebar filtered to the hostile portfolio; (path, hostile text shown)
PAGES = [
    (f"?portfolio={PF}", True),
    (f"health?portfolio={PF}&tab=Overview", True),
    (f"health?portfolio={PF}&tab=Projects", False),  # tables are drawn on a canvas
    (f"health?portfolio={PF}&tab=Milestones", True),
    (f"health?portfolio={PF}&tab=RAID", True),
    (f"changes?portfolio={PF}", False),
    (f"project?project={hostile.HOSTILE_PROJECT}", True),
    (
        f"project?project={quote(f'[x](https://{hostile.EVIL}/p) <img src=https://{hostile.EVIL}/q.png>')}",
        True,
    ),
    (f"capacity?portfolio={PF}", True),
    (f"capacity_whatif?portfolio={PF}", False),  # two narrow heatmaps (AppTest checks their labels)
    ("priority_ranking", True),
    ("priority_sensitivity", True),
    ("priority_selection", True),
    ("priority_models", False),
    (f"deck?deck={quote(hostile.DECK_NAME)}&slide=6", True),
    ("decks", False),
    ("decisions", False),
    ("explorer", False),
    ("upload", False),
    ("submissions", False),
    (f"data_quality?portfolio={PF}", False),
    ("tables", False),
]

_FIND_MARKUP = r"""() => {
  const foreign = (u) => { try { const url = new URL(u, location.href);
      return !['data:', 'blob:', 'about:'].includes(url.protocol)
        && !['127.0.0.1', 'localhost', '::1', '[::1]'].includes(url.hostname); } catch (e) { return false; } };
  const out = [];
  for (const a of document.querySelectorAll('a[href]'))
    if (!a.getAttribute('href').startsWith('#') && foreign(a.href)) out.push('link ' + a.href);
  for (const el of document.querySelectorAll('img[src], image, source[src], iframe'))
    if (foreign(el.src || el.getAttribute('href') || el.getAttribute('xlink:href') || ''))
      out.push('image ' + el.outerHTML.slice(0, 120));
  for (const a of document.querySelectorAll('.js-plotly-plot svg a')) out.push('plotly anchor ' + a.outerHTML.slice(0, 120));
  for (const el of document.querySelectorAll('.stMarkdownColoredText, .stMarkdownColoredBackground, .stMarkdownBadge, .katex'))
    out.push('rendered ' + el.className + ': ' + el.textContent.slice(0, 60));
  for (const el of document.querySelectorAll('[aria-label="bug_report icon"], [aria-label="pest_control icon"]'))
    out.push('icon from the data ' + el.getAttribute('aria-label'));
  if (document.body.innerText.includes('\u{1F604}')) out.push('emoji :smile: drawn');
  return out;
}"""


@pytest.fixture(scope="module")
def hostile_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    path = tmp_path_factory.mktemp("hostile_e2e") / "store"
    hostile.build_store(Store(str(path)))
    with serve(path) as url:
        yield url


@pytest.fixture(scope="module")
def visit(browser, hostile_url: str):  # type: ignore[no-untyped-def]
    """One browser context for the module; every request it makes is recorded (a listener,
    not a route: routing every script and stylesheet through Python doubled the time)."""
    context = browser.new_context(viewport={"width": 1440, "height": 900}, accept_downloads=True)
    foreign: list[str] = []

    def record(request) -> None:  # type: ignore[no-untyped-def]
        host = urlparse(request.url).hostname or ""
        if not request.url.startswith(("data:", "blob:")) and host not in LOOPBACK:
            foreign.append(request.url)

    context.on("request", record)
    page = context.new_page()
    yield page, foreign
    context.close()


def _settle(page) -> None:  # type: ignore[no-untyped-def]
    """The script has run to the end (every page has a title) and every chart is drawn."""
    page.wait_for_selector("[data-testid='stMain'] h1", timeout=60_000)
    wait_for_app(page, timeout=60_000)
    page.wait_for_function(
        """() => [...document.querySelectorAll("[data-testid='stPlotlyChart']")]
                 .every(c => c.querySelector('.main-svg'))""",
        timeout=30_000,
    )


def _text(page) -> str:  # type: ignore[no-untyped-def]
    """What the page says (its main area and its charts' SVG text), the invisible word
    joiners that break Streamlit's shortcode and autolink patterns left out."""
    main = page.locator("[data-testid='stMain']").inner_text()
    svg = " ".join(page.locator(".js-plotly-plot svg text").all_text_contents())
    return (main + " " + svg).replace("\u2060", "")


def test_every_page_shows_hostile_text_as_text(visit, hostile_url: str) -> None:  # type: ignore[no-untyped-def]
    page, foreign = visit
    problems: dict[str, list[str]] = {}
    for path, must_show in PAGES:
        started = time.time()
        page.goto(f"{hostile_url}/{path}")
        _settle(page)
        print(f"{time.time() - started:5.1f} s  {path[:40]}")
        found = page.evaluate(_FIND_MARKUP)
        if page.locator("[data-testid='stException']").count():
            found.append("an exception is shown")
        text = _text(page)
        if must_show and hostile.EVIL not in text:
            found.append("the hostile text is not on the page (the checks prove nothing)")
        if found:
            problems[path] = found
    assert problems == {}, "\n".join(f"{p}: {v}" for p, v in problems.items())
    assert foreign == [], sorted(set(foreign))


def test_project_page_shows_the_literal_text(visit, hostile_url: str) -> None:  # type: ignore[no-untyped-def]
    page, foreign = visit
    page.goto(f"{hostile_url}/project?project={hostile.HOSTILE_PROJECT}")
    _settle(page)
    heading = page.locator("[data-testid='stMain'] h1").first.inner_text().replace("\u2060", "")
    assert heading == hostile.PROJECT_NAME
    assert hostile.SUMMARY in _text(page)  # the summary word for word, nothing rendered
    box = page.locator("[data-testid='stMain'] [data-testid='stSelectbox']").first
    chosen = box.inner_text() + " ".join(i.input_value() for i in box.locator("input").all())
    assert hostile.PROJECT_NAME in chosen  # selectbox options are plain text
    assert foreign == []


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("a", "img", "iframe") or any(k.startswith("on") for k, _ in attrs):
            self.tags.append(tag)


def _download(page, button) -> bytes:  # type: ignore[no-untyped-def]
    button.scroll_into_view_if_needed()
    with page.expect_download(timeout=120_000) as info:
        button.click()
    return Path(info.value.path()).read_bytes()


def test_every_download_is_neutral(visit, hostile_url: str, browser) -> None:  # type: ignore[no-untyped-def]
    page, foreign = visit
    page.goto(f"{hostile_url}/decisions")
    _settle(page)
    # the table's own toolbar offers no CSV of the raw cells
    page.locator("[data-testid='stDataFrame']").first.hover()
    page.wait_for_timeout(300)
    assert page.get_by_role("button", name="Download as CSV").count() == 0
    row = page.locator("[data-testid='stDownloadButton'] button")
    csv = _download(page, row.filter(has_text="CSV").first).decode("utf-8-sig")
    assert f"'{hostile.FORMULA}".replace('"', '""') in csv and f",{hostile.FORMULA}" not in csv
    xlsx = _download(page, row.filter(has_text="XLSX").first)
    with zipfile.ZipFile(io.BytesIO(xlsx)) as z:
        sheets = {n: z.read(n).decode() for n in z.namelist() if n.endswith(".xml")}
    assert not [n for n, x in sheets.items() if "<f>" in x or "<hyperlink " in x]
    assert any("'=HYPERLINK" in x for x in sheets.values())

    page.goto(f"{hostile_url}/deck?deck={quote(hostile.DECK_NAME)}&slide=1")
    _settle(page)
    document = _download(page, page.get_by_role("button", name="Steering pack (HTML, offline)")).decode()
    tags = _Tags()
    tags.feed(document)
    assert tags.tags == [] and hostile.EVIL in document
    pptx = _download(page, page.get_by_role("button", name="Steering pack (PowerPoint)"))
    with zipfile.ZipFile(io.BytesIO(pptx)) as z:
        xml = [z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith((".xml", ".rels"))]
    assert not [x for x in xml if "hlinkClick" in x or "relationships/hyperlink" in x]
    assert foreign == []

    # the HTML pack opened in the browser: its charts draw, with no anchor and no request out
    offline = browser.new_context(offline=True)
    requests: list[str] = []
    offline.on("request", lambda r: requests.append(r.url))
    try:
        view = offline.new_page()
        view.set_content(document, wait_until="load")
        view.wait_for_function('() => document.querySelectorAll(".main-svg").length >= 4', timeout=60_000)
        assert view.evaluate(_FIND_MARKUP) == []
        assert hostile.EVIL in " ".join(view.locator("svg text").all_text_contents())
        assert [u for u in requests if not u.startswith(("data:", "blob:", "about:"))] == []
    finally:
        offline.close()
