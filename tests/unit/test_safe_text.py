"""epmo.safe_text: uploaded and typed text shown as text in Streamlit markdown and plotly, and
the steering pack (HTML and PowerPoint) of a hostile portfolio neutral."""

from __future__ import annotations

import io
import json
import re
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from epmo import pack, safe_text, steering
from epmo.store import Store
from tests import hostile

ROOT = Path(__file__).resolve().parents[2]

HOSTILE_TEXTS = [
    hostile.LINK,
    hostile.IMAGE,
    hostile.RED,
    ":blue-background[x]",
    ":small[x] :violet-badge[x]",
    hostile.ICON,
    hostile.ICON_RAW,
    hostile.EMOJI,
    ":streamlit:",
    hostile.LATEX,
    "$$\\int x$$",
    hostile.ANCHOR,
    hostile.IMG_TAG,
    "<https://evil.example/auto>",
    hostile.BARE,
    "[ref]\n\n[ref]: https://evil.example/ref",
    "# heading\n- item\n1. first\n> quote\n---\n===",
    "`code` **bold** _em_ ~~strike~~ | a | b |",
    hostile.FORMULA,
    "&lt;a href=x&gt; &amp;",
]


@pytest.mark.parametrize("text", HOSTILE_TEXTS)
def test_md_escapes_every_construct_and_keeps_the_text(text: str) -> None:
    escaped = safe_text.md(text)
    assert hostile.markup_problems(escaped) == []
    # what the reader sees: the backslash escapes resolved, the invisible word joiners dropped
    shown = re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", escaped).replace(safe_text.WORD_JOINER, "")
    assert shown == text


@pytest.mark.parametrize(
    "text",
    [
        hostile.LINK,
        hostile.IMAGE,
        hostile.RED,
        hostile.ICON,
        hostile.ICON_RAW,
        hostile.LATEX,
        hostile.ANCHOR,
        hostile.BARE,
    ],
)
def test_the_checker_sees_the_raw_constructs(text: str) -> None:
    """The AppTest's checker would catch these if a page forgot to escape."""
    assert hostile.markup_problems(text)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (hostile.ANCHOR, '&lt;a href="https://evil.example/login"&gt;Review&lt;/a&gt;'),
        ("R&D <b>x</b>", "R&amp;D &lt;b&gt;x&lt;/b&gt;"),
        ("plain", "plain"),
        (None, ""),
        (12, "12"),
        # a builder's line break is drawn as one; a typed <br> is text like any other tag
        (f"5 open{safe_text.LINE_BREAK}4 late", "5 open<br>4 late"),
        (f"a<br>b{safe_text.LINE_BREAK}<i>c</i>", "a&lt;br&gt;b<br>&lt;i&gt;c&lt;/i&gt;"),
    ],
)
def test_plotly_escapes_tags_and_ampersands(value: object, expected: str) -> None:
    assert safe_text.plotly(value) == expected
    assert safe_text.unplotly(safe_text.plotly(value)) == ("" if value is None else str(value))


@pytest.mark.parametrize(
    ("markup", "expected"),
    [
        ("%{x}<br><b>%{y}</b><extra></extra>", "%{x}<br><b>%{y}</b><extra></extra>"),
        ("a <a href='u'>l</a>", "a &lt;a href='u'&gt;l&lt;/a&gt;"),
        ("<span style='color:red'>s</span><BR/>", "&lt;span style='color:red'&gt;s&lt;/span&gt;<BR/>"),
        ("<img src=x>", "&lt;img src=x&gt;"),
    ],
)
def test_plotly_markup_keeps_only_formatting_tags(markup: str, expected: str) -> None:
    assert safe_text.plotly_markup(markup) == expected


def _tags(strings: list[str]) -> list[str]:
    return [s for s in strings if re.search(r"<(?!/?(br|b|i|em|sup|sub|extra)\b)", s, re.I)]


def test_figure_escapes_data_and_keeps_the_builders_formatting() -> None:
    fig = go.Figure()
    fig.add_scatter(
        x=[hostile.ANCHOR, "plain"],
        y=[1, 2],
        name=hostile.ANCHOR,
        text=[hostile.IMG_TAG, "t"],
        customdata=np.array([["HX-<1>", 3.5], ["OK", None]], dtype=object),
        hovertemplate="%{customdata[0]}<br><b>%{x}</b> <a href='x'>l</a><extra></extra>",
        marker={"colorbar": {"title": {"text": "<a href='c'>c</a><br>ok"}}, "color": "rgba(0,0,0,0)"},
    )
    fig.add_heatmap(z=[[1]], x=[hostile.ANCHOR], y=["<i>r</i>"])
    fig.update_layout(
        title={"text": "Title<br><a href='t'>t</a>"},
        xaxis={
            "categoryorder": "array",
            "categoryarray": [hostile.ANCHOR, "plain"],
            "title": {"text": "<b>x</b>"},
        },
        legend={"title": {"text": hostile.ANCHOR}},
        annotations=[{"text": "<a href='n'>n</a>", "x": hostile.ANCHOR, "y": 1}],
    )
    safe = safe_text.figure(fig)
    assert _tags(safe_text.figure_strings(safe)) == []
    assert _tags(safe_text.figure_strings(fig))  # the input had them
    s = safe.data[0]
    assert list(s.x) == [safe_text.plotly(hostile.ANCHOR), "plain"]
    assert list(safe.layout.xaxis.categoryarray) == list(s.x)  # categories still match the data
    assert s.name == safe_text.plotly(hostile.ANCHOR)
    assert s.customdata[0][0] == "HX-&lt;1&gt;" and s.customdata[0][1] == 3.5 and s.customdata[1][1] is None
    assert safe_text.unplotly(s.customdata[0][0]) == "HX-<1>"  # what a click reads back
    assert s.hovertemplate.startswith("%{customdata[0]}<br><b>%{x}</b> &lt;a")
    assert safe.layout.title.text == "Title<br>&lt;a href='t'&gt;t&lt;/a&gt;"
    assert safe.layout.xaxis.title.text == "<b>x</b>"
    assert s.marker.color == "rgba(0,0,0,0)"
    assert fig.data[0].x[0] == hostile.ANCHOR  # the original figure is untouched


def test_no_page_shows_a_chart_but_through_the_escaping_helper() -> None:
    offenders = [
        f"{p.name}:{i}"
        for p in sorted((ROOT / "app_pages").glob("*.py"))
        if p.name != "_shared.py"
        for i, line in enumerate(p.read_text().splitlines(), 1)
        if "plotly_chart(" in line
    ]
    assert offenders == [], "show charts with app_pages/_shared.chart (it escapes every label)"


def test_the_tables_own_csv_download_is_off() -> None:
    """st.dataframe's toolbar exported raw cells (=HYPERLINK(...) included); every table's
    data leaves through the app's neutralising CSV/XLSX buttons or the steering pack."""
    import tomllib

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["client"]["disableDataExport"] is True


# --------------------------------------------------------------------------- the pack


@pytest.fixture(scope="module")
def hostile_pack(tmp_path_factory: pytest.TempPathFactory) -> pack.Pack:
    store = Store(str(tmp_path_factory.mktemp("hostile") / "store"))
    hostile.build_store(store)
    deck = steering.load_deck(store, hostile.DECK_NAME)
    return pack.build_from_store(store, deck, steering.freeze(store, hostile.WEEK2))


class _Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.text: list[str] = []
        self._script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._script = tag == "script"
        if tag in ("a", "img", "iframe", "form") or any(k.startswith("on") for k, _ in attrs):
            self.tags.append(f"<{tag} {attrs}>")

    def handle_endtag(self, tag: str) -> None:
        self._script = False

    def handle_data(self, data: str) -> None:
        if not self._script:
            self.text.append(data)


def test_html_pack_shows_hostile_text_as_text(hostile_pack: pack.Pack) -> None:
    document = pack.to_html(hostile_pack)
    parser = _Anchors()
    parser.feed(document)
    assert parser.tags == []
    assert pack.network_references(document) == []
    text = " ".join(parser.text)
    assert hostile.ANCHOR in text and hostile.PROJECT_NAME in text  # shown, as text
    # the charts' data: plotly's JSON in the page carries only escaped labels
    figures = [
        json.loads(m) for m in re.findall(r'Plotly\.newPlot\(\s*"[^"]+",\s*(\[.*?\]),\s*\{', document, re.S)
    ]
    assert figures, "no chart data found in the pack"
    strings = [s for data in figures for s in safe_text.figure_strings({"data": data})]
    assert any("evil.example" in s for s in strings)
    assert _tags(strings) == []


def _xml_parts(blob: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(blob)) as z:
        return {
            n: z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith((".xml", ".rels"))
        }


def test_pptx_pack_has_no_links_and_no_formulas(hostile_pack: pack.Pack) -> None:
    blob = pack.to_pptx(hostile_pack)
    parts = _xml_parts(blob)
    assert not [n for n, x in parts.items() if "hlinkClick" in x or "relationships/hyperlink" in x]
    assert any("evil.example" in x for x in parts.values())  # the hostile text is in it, as text
    with zipfile.ZipFile(io.BytesIO(blob)) as z:
        workbooks = [z.read(n) for n in z.namelist() if n.endswith(".xlsx")]
    assert workbooks
    for book in workbooks:  # each chart's "Edit data" workbook
        sheets = _xml_parts(book)
        assert not [n for n, x in sheets.items() if "<f>" in x or "<f " in x or "hyperlink" in x]


def test_pptx_chart_workbook_keeps_formula_like_labels_as_text() -> None:
    """python-pptx writes chart data with xlsxwriter's defaults: a category '=HYPERLINK(..)'
    became a live formula and 'https://...' a hyperlink in PowerPoint's "Edit data"."""
    from pptx import Presentation
    from pptx.util import Inches

    chart = steering.Chart(
        "t",
        go.Figure(),
        "bar",
        pd.DataFrame({hostile.FORMULA: [1.0, 2.0]}, index=[hostile.FORMULA, f"https://{hostile.EVIL}/x"]),
        "home/projects_by_stage",
    )
    prs = Presentation()
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    pack._add_chart(slide, chart, Inches(0), Inches(0), Inches(5), Inches(4))
    buf = io.BytesIO()
    prs.save(buf)
    with zipfile.ZipFile(buf) as z:
        book = next(z.read(n) for n in z.namelist() if n.endswith(".xlsx"))
    sheets = _xml_parts(book)
    assert not [n for n, x in sheets.items() if "<f>" in x or "hyperlink" in x]
    assert any("HYPERLINK" in x for x in sheets.values())  # kept, as a string


def test_a_builders_line_break_in_data_is_drawn_and_a_typed_one_is_not() -> None:
    """A grid cell's counts on three lines: the builder's LINE_BREAK becomes plotly's <br>
    (a literal "<br>" in the text showed as "5<br>4 late" in every cell), while a <br> or
    any tag in uploaded text stays escaped beside it."""
    lines = safe_text.LINE_BREAK.join(["5 open", "4 late"])
    fig = go.Figure(go.Heatmap(z=[[1, 2]], x=["a", hostile.ANCHOR], y=["<br>r"], text=[[lines, "1 open"]]))
    safe = safe_text.figure(fig)
    (heat,) = safe.data
    assert heat.text[0][0] == "5 open<br>4 late"
    assert list(heat.y) == ["&lt;br&gt;r"] and heat.x[1] == safe_text.plotly(hostile.ANCHOR)
    assert _tags(safe_text.figure_strings(safe)) == []
    assert safe_text.unplotly(heat.text[0][0]) == lines  # read back as the builder wrote it


def test_a_figure_with_nothing_to_escape_is_shown_as_it_is() -> None:
    """Copying a figure costs as much as drawing it: one without < > & in its data, and
    with only formatting tags in its templates and titles, is returned untouched."""
    fig = go.Figure(go.Bar(x=["a", "b"], y=[1, 2], hovertemplate="%{x}<br>%{y}<extra></extra>"))
    fig.update_layout(title={"text": "<b>Title</b>"})
    assert safe_text.figure(fig) is fig
    fig.update_layout(title={"text": "<a href='x'>Title</a>"})
    assert safe_text.figure(fig) is not fig
