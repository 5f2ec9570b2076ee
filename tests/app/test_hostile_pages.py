"""Every page with a hostile portfolio loaded (tests/hostile.py): no markdown body, label,
metric, alert or tooltip would render a link, an image, HTML, LaTeX, a coloured directive
or an icon from uploaded or typed text, and no plotly chart carries a tag other than the
builders' own formatting. The hostile text is on the page (escaped), so the checks can fail.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from app_pages import _shared as ui
from epmo import safe_text
from epmo.store import Store
from tests import hostile

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.xdist_group(name="hostile_app")

# proto fields Streamlit renders as markdown; st.text, st.code, st.json, st.html and the
# options of selectbox/multiselect are plain text
_MARKDOWN_FIELDS = {"body", "label", "help", "delta", "content", "caption"}
_PLAIN_PROTOS = {
    "Text",
    "Code",
    "Json",
    "Html",
    "Dataframe",
    "Arrow",
    "PlotlyChart",
    "Selectbox",
    "MultiSelect",
}


@pytest.fixture(scope="module")
def hostile_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    store = Store(str(tmp_path_factory.mktemp("hostile") / "store"))
    hostile.build_store(store)
    return store


@pytest.fixture
def app(hostile_store: Store, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("EPMO_STORE", hostile_store.uri)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.query_params["portfolio"] = hostile.PORTFOLIO  # the sidebar filter: the hostile portfolio
    return at


def _nodes(node: Any) -> Iterator[Any]:
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _nodes(child)


def _strings(message: Any, names: set[str]) -> Iterator[str]:
    for field, value in message.ListFields():
        scalar = isinstance(value, str | bytes | int | float) or hasattr(value, "ListFields")
        items = [value] if scalar else list(value)
        for item in items:
            if hasattr(item, "ListFields"):
                yield from _strings(item, names)
            elif field.name in names and isinstance(item, str):
                yield item


SLIDE_TABLE = '<div class="epmo-slide-table"'  # a slide's table in presentation mode (app_pages/_steering.py)
TEXT_TABLE = ui.TEXT_TABLE  # a table of sentences (the validation report; app_pages/_shared.py)
_TABLE_TAGS = {"div", "table", "tr", "th", "td"}
_TABLE_ATTRS = {"class", "style", "title"}


class _TableParts(HTMLParser):
    """The tags, attributes and text of a presented table, as a browser parses it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.attrs: set[str] = set()
        self.texts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attrs |= {name for name, _ in attrs}
        self.texts += [value for name, value in attrs if name == "title" and value]

    def handle_data(self, data: str) -> None:
        self.texts.append(data)


def slide_table_text(body: str) -> list[str]:
    """A presented table's text, once it is checked to be nothing but a table of text: no
    element but the table's own, no attribute but class, style and a cell's title."""
    parts = _TableParts()
    parts.feed(body)
    parts.close()
    assert parts.tags <= _TABLE_TAGS, parts.tags
    assert parts.attrs <= _TABLE_ATTRS, parts.attrs
    return parts.texts


def rendered(at: AppTest) -> tuple[list[str], list[str], list[dict[str, Any]]]:
    """(markdown strings, the app's own HTML, plotly specs) of every element on the page."""
    markdown: list[str] = []
    own_html: list[str] = []
    charts: list[dict[str, Any]] = []
    for node in _nodes(at._tree):
        proto = getattr(node, "proto", None)
        if proto is None:
            continue
        kind = type(proto).__name__
        if kind == "PlotlyChart":
            charts.append(json.loads(proto.spec))
        elif (kind == "Markdown" and proto.allow_html) or kind == "Html":
            own_html.append(proto.body)  # the band colours from settings, presentation CSS
        elif kind in _PLAIN_PROTOS:
            continue
        else:
            names = _MARKDOWN_FIELDS | ({"options"} if kind == "Radio" else set())
            markdown += list(_strings(proto, names))
    return markdown, own_html, charts


def check(at: AppTest, must_show: bool = True) -> None:
    assert not at.exception, [e.value for e in at.exception]
    markdown, own_html, charts = rendered(at)
    problems = [p for body in markdown for p in hostile.markup_problems(body)]
    assert not problems, problems
    tables: list[str] = []
    for text in own_html:  # st.html and allow_html bodies are the app's own, never data...
        if text.startswith((SLIDE_TABLE, TEXT_TABLE)):  # ...but a presented table's escaped text
            tables += slide_table_text(text)
        else:
            assert hostile.EVIL not in text, text
    strings = [s for spec in charts for s in safe_text.figure_strings(spec)]
    tags = [s for s in strings if any(t in s.lower() for t in ("<a", "<img", "<span", "<svg", "<script"))]
    assert not tags, tags
    for fragment in hostile.hostile_fragments():
        leaked = [s for s in markdown if fragment in s]
        assert not leaked, (fragment, leaked)
    if must_show:  # the hostile text is there, escaped: in markdown (\.) or plotly (&lt;)
        shown = [s for s in markdown + strings + tables if hostile.EVIL in s]
        assert shown, "the hostile text is not on the page: the checks above prove nothing"


PAGES = {
    "app_pages/home.py": True,
    "app_pages/changes.py": False,  # counts by kind of change and a table
    "app_pages/capacity.py": True,
    "app_pages/capacity_whatif.py": True,
    "app_pages/priority_ranking.py": True,
    "app_pages/priority_sensitivity.py": True,
    "app_pages/priority_selection.py": True,
    "app_pages/priority_models.py": False,
    "app_pages/data_quality.py": True,
    "app_pages/submissions.py": False,
    "app_pages/tables.py": False,
    "app_pages/decks.py": False,
    "app_pages/decisions.py": False,
    "app_pages/upload.py": False,
}


@pytest.mark.parametrize("page", list(PAGES))
def test_page_shows_hostile_text_as_text(app: AppTest, page: str) -> None:
    app.switch_page(page).run()
    check(app, must_show=PAGES[page])


@pytest.mark.parametrize("tab", ["Overview", "Projects", "Budget burn", "Milestones", "RAID"])
def test_health_tabs(app: AppTest, tab: str) -> None:
    app.query_params["tab"] = tab
    app.switch_page("app_pages/health.py").run()
    check(app)


@pytest.mark.parametrize("page", ["app_pages/my_projects.py", "app_pages/reminders.py"])
def test_the_project_managers_week_shows_hostile_text_as_text(app: AppTest, page: str) -> None:
    app.query_params["pm"] = "pm@example.org"  # the hostile projects' manager
    app.switch_page(page).run()
    check(app, must_show=False)  # names and summaries are in data grids, never markdown
    if page.endswith("my_projects.py"):
        assert hostile.HOSTILE_PROJECT in set(app.dataframe[0].value["project_id"])
        assert any(hostile.HOSTILE_PROJECT in t.value for t in app.text)  # warnings: plain text


def test_project_page(app: AppTest) -> None:
    app.query_params["project"] = hostile.HOSTILE_PROJECT
    app.switch_page("app_pages/project.py").run()
    check(app)
    assert app.title[0].value == safe_text.md(hostile.PROJECT_NAME)
    assert any(safe_text.md(hostile.SUMMARY) in i.value for i in app.info)


def test_project_id_in_the_address(app: AppTest) -> None:
    """The issue's /project?project=[x](https://...): the warning quotes it as text."""
    wanted = f"[x](https://{hostile.EVIL}/p)"
    app.query_params["project"] = wanted
    app.switch_page("app_pages/project.py").run()
    check(app)
    assert any(safe_text.md_quoted(wanted) in w.value for w in app.warning)


def test_deck_slides(app: AppTest) -> None:
    """Every slide of the hostile deck (its name, the project slide's title and subtitle,
    the charts of every view)."""
    app.query_params["deck"] = hostile.DECK_NAME
    app.switch_page("app_pages/deck.py").run()
    check(app)
    for _ in range(5):
        app.button(key="deck_next").click().run()
        check(app)
    assert any(t.value == safe_text.md(f"HX-1 · {hostile.PROJECT_NAME}") for t in app.title)


def test_deck_slides_presented(app: AppTest) -> None:
    """The same deck in presentation mode, where a slide's tables are HTML tables in large
    type: hostile cells are their text, escaped, in a table of nothing else."""
    app.query_params["deck"] = hostile.DECK_NAME
    app.query_params["present"] = "1"
    app.switch_page("app_pages/deck.py").run()
    check(app, must_show=False)
    presented: list[str] = []
    for _ in range(8):
        presented += [h.proto.body for h in app.get("html") if h.proto.body.startswith(SLIDE_TABLE)]
        if app.button(key="deck_next").disabled:
            break
        app.button(key="deck_next").click().run()
        check(app, must_show=False)
    assert presented, "no slide of the deck showed a table"
    texts = [t for body in presented for t in slide_table_text(body)]
    assert any(hostile.EVIL in t for t in texts), "the hostile text is not in the tables"
    # HTML renders no markdown: what must not be there is a link or an image the browser
    # would follow (slide_table_text has also refused any element or attribute but the table's)
    html_fragments = [f for f in hostile.hostile_fragments() if f.startswith(("href=", "src="))]
    assert html_fragments
    assert not [f for body in presented for f in html_fragments if f in body]


def test_upload_report_names_the_file_as_text(app: AppTest) -> None:
    app.switch_page("app_pages/upload.py").run()
    app.file_uploader(key="upload_file").upload(
        hostile.FILE_NAME, hostile.extract(hostile.WEEK2), "application/zip"
    )
    app.date_input(key="upload_as_of").set_value(hostile.WEEK2).run()
    check(app)
    assert safe_text.md(hostile.FILE_NAME) in app.success[0].value


def test_explorer_chart_of_hostile_values(app: AppTest) -> None:
    app.switch_page("app_pages/explorer.py").run()
    app.text_area(key="explorer_sql").set_value(
        'SELECT portfolio AS "<a href=x>p</a>", count(*) AS n FROM projects GROUP BY ALL'
    )
    app.button(key="explorer_run").click().run()
    check(app)


@pytest.mark.parametrize("role", ["pm", "analyst"])
def test_the_upload_note_quotes_teams_projects_and_portfolios_as_text(
    hostile_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, role: str
) -> None:
    """The Upload page's note for a pm (their projects and teams) and for a scoped analyst
    (their portfolios): names typed into the access list or uploaded are text. On a copy of
    the store: an access list would end the demo mode for the other tests of this module."""
    import shutil

    from tests.app.conftest import sign_in

    copy = Store(str(tmp_path / "store"))
    shutil.copytree(hostile_store.uri, copy.uri)
    monkeypatch.setenv("EPMO_STORE", copy.uri)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    if role == "pm":  # the hostile projects' manager, keeping a team named with a link
        sign_in(at, copy, monkeypatch, "pm@example.org", "pm", teams=(hostile.TEAM,))
    else:
        sign_in(at, copy, monkeypatch, "ana@example.org", "analyst", portfolios=(hostile.PORTFOLIO,))
    at.switch_page("app_pages/upload.py").run()
    check(at)
    note = next(i.value for i in at.info if i.value.startswith("As a"))
    shown = safe_text.md(hostile.TEAM if role == "pm" else hostile.PORTFOLIO)
    assert shown in note, note
