"""The steering pack: a deck's slides, built from a frozen snapshot, as PowerPoint or HTML.

PPTX (python-pptx): a title slide (deck, as-of week, when the data were frozen, how many
projects reported this week of how many expected), then each slide with its headline
numbers, native editable charts (column, bar, line, bubble) and native tables, never
pictures; the decision log closes the pack. HTML: the same content in one self-contained
file: plotly's JavaScript is embedded once, no script, stylesheet, image or font is
fetched from anywhere, so it opens offline.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import math
from dataclasses import dataclass
from html.parser import HTMLParser as HTMLParserBase
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from epmo import clock, safe_text, steering
from epmo.store import Store
from epmo.theme import PRESENT_BLUE, PRESENT_RAG_COLOURS, PRESENT_TEXT, presentation

FORMATS = ("pptx", "html")
BLOCKS_PER_SLIDE = 2


@dataclass
class Pack:
    """Everything a pack shows: title facts and the slides, computed once."""

    deck: steering.Deck
    frozen: steering.Freeze
    fresh: dict[str, int]
    slides: list[steering.Slide]

    @property
    def title(self) -> str:
        return f"{self.deck.name}"

    def facts(self) -> list[str]:
        return [
            self.frozen.caption(),
            "Data freshness: " + steering.freshness_text(self.fresh),
        ]


def build(
    con: duckdb.DuckDBPyConnection,
    deck: steering.Deck,
    frozen: steering.Freeze,
    decided_by: dt.date | None = None,
) -> Pack:
    """The pack's content from a (frozen) connection; a decision log is always included.
    Its decisions: those dated up to `decided_by`, default the day the deck was frozen (a
    pack rebuilt later keeps its meeting's; a live deck passes today, so that a decision just
    recorded in it is in its pack)."""
    day = decided_by or frozen.decisions_until(live=False)
    slides = [steering.build_slide(con, frozen.as_of, spec, deck.scope, day) for spec in deck.slides]
    if not any(s.view == "decisions" for s in deck.slides):
        slides.append(
            steering.build_slide(con, frozen.as_of, steering.SlideSpec("decisions"), deck.scope, day)
        )
    return Pack(deck, frozen, steering.freshness(con, frozen.as_of, deck.scope), slides)


def build_from_store(
    store: Store, deck: steering.Deck, frozen: steering.Freeze, decided_by: dt.date | None = None
) -> Pack:
    con = steering.connect_frozen(store, frozen)
    try:
        return build(con, deck, frozen, decided_by)
    finally:
        con.close()


def write(pack: Pack, out: Path) -> None:
    fmt = out.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise steering.SteeringError(f"--out must end in .pptx or .html, not {out.name!r}")
    out.write_bytes(to_pptx(pack) if fmt == "pptx" else to_html(pack).encode("utf-8"))


# --------------------------------------------------------------------------- PowerPoint


def _rgb(colour: str) -> Any:
    from pptx.dml.color import RGBColor

    return RGBColor.from_string(colour.lstrip("#")[:6].upper())


def _series_colour(name: str) -> str | None:
    for rag in ("Red", "Amber", "Green"):
        if name == rag or name.endswith(f" {rag}"):
            return str(PRESENT_RAG_COLOURS[rag])
    if "not judged" in name or name == "No RAG":
        return str(PRESENT_RAG_COLOURS[""])
    return None


def _number(value: Any) -> float | None:
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def _text(frame: Any, text: str, size: int, bold: bool = False, colour: str = PRESENT_TEXT) -> None:
    from pptx.util import Pt

    tf = frame.text_frame
    tf.word_wrap = True
    p = tf.paragraphs[0]
    p.text = text
    p.font.size = Pt(size)
    p.font.bold = bold
    p.font.color.rgb = _rgb(colour)


CUT_MARK = "… (whole text in the notes)"


def fit_text(text: str, width_in: float, lines: int, sizes: tuple[int, ...]) -> tuple[str, int, bool]:
    """(the text, its size in points, whether it was cut) for a box `width_in` wide and
    `lines` high: the largest of `sizes` at which it fits (CHAR_EM per character), else the
    smallest, cut at a word and saying where the rest is (CUT_MARK: the whole text goes in
    the slide's notes, which a reader of the file cannot guess from an ellipsis)."""
    for size in sizes:
        per_line = int(width_in * 72 / (size * CHAR_EM))
        if len(text) <= per_line * lines:
            return text, size, False
    room = int(width_in * 72 / (sizes[-1] * CHAR_EM)) * lines - len(CUT_MARK)
    cut = text[:room].rsplit(" ", 1)[0].rstrip(",;:· ")
    return cut + CUT_MARK, sizes[-1], True


def _notes(slide: Any, text: str) -> None:
    """Text a slide had to cut, whole, in its notes (the presenter's view, the outline)."""
    frame = slide.notes_slide.notes_text_frame
    frame.text = (frame.text + "\n" if frame.text else "") + text


def _title(
    slide: Any, text: str, x: Any, y: Any, w: Any, h: Any, size: int, lines: int = 1, suffix: str = ""
) -> None:
    """The slide's title, in its title placeholder (PowerPoint's outline, the accessibility
    checker and screen readers read it), placed and styled like the rest of the pack; a long
    one smaller, and cut at a word on one line with the whole in the notes (a long project
    name ran over the subtitle and the figures)."""
    from pptx.enum.text import PP_ALIGN

    shape = slide.shapes.title
    shape.left, shape.top, shape.width, shape.height = x, y, w, h
    # the suffix (" (continued)") is kept whole: the title is fitted in the room it leaves
    room_in = w / 914400 - len(suffix) * size * CHAR_EM / 72
    shown, fitted, cut = fit_text(text, room_in, lines, (size, size - 4, size - 8, size - 12))
    _text(shape, shown + suffix, fitted, bold=True)
    shape.text_frame.paragraphs[0].alignment = PP_ALIGN.LEFT
    if cut:
        _notes(slide, text)


def _plain_chart_data(base: type) -> type:
    """python-pptx chart data whose embedded workbook (PowerPoint's "Edit data") stores every
    label as text. python-pptx writes it with xlsxwriter's defaults, which turn a string
    starting with '=' into a live formula and one starting with 'https://' into a hyperlink."""
    from contextlib import contextmanager

    from xlsxwriter import Workbook

    writer_base = type(base()._workbook_writer)

    class PlainWriter(writer_base):  # type: ignore[valid-type, misc]
        @contextmanager
        def _open_worksheet(self, xlsx_file: Any) -> Any:
            workbook = Workbook(
                xlsx_file, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
            )
            worksheet = workbook.add_worksheet()
            yield workbook, worksheet
            workbook.close()

    class PlainData(base):  # type: ignore[valid-type, misc]
        @property
        def _workbook_writer(self) -> Any:
            return PlainWriter(self)

    return PlainData


def _add_chart(slide: Any, chart: steering.Chart, x: Any, y: Any, w: Any, h: Any) -> None:
    from pptx.chart.data import BubbleChartData, CategoryChartData
    from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION
    from pptx.util import Pt

    data = chart.data
    if chart.kind == "bubble":
        cd: Any = _plain_chart_data(BubbleChartData)()
        for name, part in data.groupby("series", sort=False):
            series = cd.add_series(str(name))
            for row in part.itertuples():
                series.add_data_point(float(row.x), float(row.y), float(row.size))
        kind = XL_CHART_TYPE.BUBBLE
    else:
        cd = _plain_chart_data(CategoryChartData)()
        cd.categories = [str(c) for c in data.index]
        for col in data.columns:
            cd.add_series(str(col), [_number(v) for v in data[col]])
        kind = {
            "bar": XL_CHART_TYPE.COLUMN_STACKED,
            "hbar": XL_CHART_TYPE.BAR_STACKED if len(data.columns) > 1 else XL_CHART_TYPE.BAR_CLUSTERED,
            "line": XL_CHART_TYPE.LINE_MARKERS,
        }[chart.kind]
    graphic = slide.shapes.add_chart(kind, x, y, w, h, cd)
    c = graphic.chart
    c.has_title = True
    c.chart_title.text_frame.text = chart.title
    c.chart_title.text_frame.paragraphs[0].font.size = Pt(16)
    c.font.size = Pt(12)
    c.has_legend = chart.kind in ("bubble", "line") or len(data.columns) > 1
    if c.has_legend:
        c.legend.position = XL_LEGEND_POSITION.BOTTOM
        c.legend.include_in_layout = False
    for series in c.plots[0].series:
        colour = _series_colour(series.name)
        if colour:
            series.format.fill.solid()
            series.format.fill.fore_color.rgb = _rgb(colour)
    if chart.kind == "bubble":
        c.plots[0].bubble_scale = 40
    # the axes say what they measure (the bubble chart did not say which axis is SPI): for a
    # bar, the values are on the value axis; for a bubble or line, x and y as named
    value_title = chart.x_title if chart.kind == "hbar" else chart.y_title
    category_title = chart.y_title if chart.kind == "hbar" else chart.x_title
    for axis, text in ((c.value_axis, value_title), (c.category_axis, category_title)):
        if text:
            axis.has_title = True
            axis.axis_title.text_frame.text = text
            axis.axis_title.text_frame.paragraphs[0].font.size = Pt(12)


def slide_groups(
    blocks: list[steering.Chart | steering.Table],
) -> list[list[steering.Chart | steering.Table]]:
    """A slide's figures on PowerPoint slides: two side by side, in order; a table of
    sentences (steering.Table.wordy), or one that would run past the slide's bottom in half
    its width, on a slide of its own, at the whole width."""
    groups: list[list[steering.Chart | steering.Table]] = []
    pair: list[steering.Chart | steering.Table] = []
    for b in blocks:
        if isinstance(b, steering.Table) and (b.wordy or not fits_half_a_slide(b.frame)):
            if pair:
                groups.append(pair)
                pair = []
            groups.append([b])
            continue
        pair.append(b)
        if len(pair) == BLOCKS_PER_SLIDE:
            groups.append(pair)
            pair = []
    if pair:
        groups.append(pair)
    return groups or [[]]


# How a table's text is laid out on a slide, to fit it (an estimate: PowerPoint wraps and
# grows a row to fit its text, and a table that grows past the slide is cut off when shown).
TABLE_BOTTOM_IN = 6.9  # the caption line starts at 6.95 in
TABLE_SIZES_PT = (12, 11, 10, 9, 8)
CHAR_EM = 0.5  # the average width of a character of the body font, in ems (Calibri: about 0.48)
LINE_EM = 1.2
CELL_MARGIN_W_IN = 0.2  # python-pptx cells: 0.1 in left and right, 0.05 in top and bottom
CELL_MARGIN_H_IN = 0.1


def column_widths(texts: list[list[str]], total_in: float) -> list[float]:
    """Each column's share of `total_in` inches: by its longest text (a header by its
    longest word: it may wrap), at least 4 and at most 40 characters' worth."""
    weights = []
    for j in range(len(texts[0])):
        head = max((len(w) for w in texts[0][j].split()), default=1)
        body = max((len(r[j]) for r in texts[1:]), default=1)
        weights.append(min(40, max(4, head, body)))
    total = sum(weights)
    return [total_in * w / total for w in weights]


def table_height(texts: list[list[str]], widths: list[float], pt: float) -> list[float]:
    """The estimated height of each row, in inches, at `pt` points."""
    rows = []
    for row in texts:
        lines = max(
            sum(
                max(1, math.ceil(len(part) * CHAR_EM * pt / 72 / max(w - CELL_MARGIN_W_IN, 0.1)))
                for part in t.split("\n")  # a line break starts a paragraph of its own
            )
            for t, w in zip(row, widths, strict=True)
        )
        rows.append(lines * pt * LINE_EM / 72 + CELL_MARGIN_H_IN)
    return rows


def fitted_size(texts: list[list[str]], widths: list[float], room_in: float) -> float:
    """The largest of TABLE_SIZES_PT at which the table fits `room_in` inches (the smallest if none)."""
    for pt in TABLE_SIZES_PT:
        if sum(table_height(texts, widths, pt)) <= room_in:
            return pt
    return TABLE_SIZES_PT[-1]


HALF_WIDTH_IN = 12.3 / 2 - 0.2  # a figure's width beside another (to_pptx)
ROOM_UNDER_METRICS_IN = TABLE_BOTTOM_IN - 2.4 - 0.45  # a table's height under the metrics and its title


def fits_half_a_slide(frame: pd.DataFrame) -> bool:
    """Whether a table fits half a slide's width, under the metrics, in the smallest type:
    What changed with its field and amount came to 9.7 in on a 7.5 in slide."""
    texts = [[str(c) for c in frame.columns]] + [
        [_cell(v) for v in row] for row in frame.itertuples(index=False)
    ]
    widths = column_widths(texts, HALF_WIDTH_IN)
    return sum(table_height(texts, widths, TABLE_SIZES_PT[-1])) <= ROOM_UNDER_METRICS_IN


def _add_table(
    slide: Any,
    frame: pd.DataFrame,
    x: Any,
    y: Any,
    w: Any,
    h: Any,
    fills: pd.DataFrame | None = None,
    index: bool = False,
    room: Any = None,
) -> None:
    """A native table: columns as wide as their text needs, in the largest type at which it
    fits the slide's `room` (EMU; its given height `h` when none)."""
    from pptx.util import Emu, Pt

    cols = ([""] if index else []) + [str(c) for c in frame.columns]
    texts = [cols] + [
        ([str(label)] if index else []) + [_cell(v) for v in row.tolist()] for label, row in frame.iterrows()
    ]
    first = 1 if index else 0  # the row's first own cell (a project's id) names it in the notes
    for i, (_label, row) in enumerate(frame.iterrows(), start=1):  # cut cells, whole, in the notes
        for j, v in enumerate(row.tolist()):
            if texts[i][first + j].endswith("…") and texts[i][first + j] != str(v):
                _notes(slide, f"{texts[i][first]} · {frame.columns[j]}: {v}")
    widths = column_widths(texts, Emu(w).inches)
    size = fitted_size(texts, widths, Emu(room if room is not None else h).inches)
    heights = table_height(texts, widths, size)
    shape = slide.shapes.add_table(len(texts), len(cols), x, y, w, Emu(int(sum(heights) * 914400)))
    table = shape.table
    for j, width in enumerate(widths):
        table.columns[j].width = Emu(int(width * 914400))
    for i, height in enumerate(heights):
        table.rows[i].height = Emu(int(height * 914400))
    for j, name in enumerate(cols):
        cell = table.cell(0, j)
        cell.text = name
        for paragraph in cell.text_frame.paragraphs:  # a line break in the text is a paragraph
            paragraph.font.size = Pt(size)
            paragraph.font.bold = True
    for i, values in enumerate(texts[1:], start=1):
        for j, value in enumerate(values):
            cell = table.cell(i, j)
            cell.text = value
            for paragraph in cell.text_frame.paragraphs:
                paragraph.font.size = Pt(size)
            k = j - (1 if index else 0)
            if fills is not None and k >= 0:
                colour = str(fills.iloc[i - 1, k])
                cell.fill.solid()
                cell.fill.fore_color.rgb = _rgb(colour)
                dark = colour.upper() not in ("#FFFFFF", "#BDBDBD", "#E69F00", "#F9A825")
                for paragraph in cell.text_frame.paragraphs:
                    paragraph.font.color.rgb = _rgb("#FFFFFF" if dark else "#000000")


def _cell(value: Any, limit: int = 140) -> str:
    """A table cell's text; long text (RAG reasons, rationales) cut at a word so a table fits
    its slide (the whole goes in the slide's notes: _add_table)."""
    text = "" if value is None else str(value)
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0] if " " in text[: limit - 1] else text[: limit - 1]
    return cut.rstrip(",;:· ") + "…"


def _caption_box(slide: Any, pack: Pack, text: str) -> None:
    from pptx.util import Inches

    box = slide.shapes.add_textbox(Inches(0.5), Inches(6.95), Inches(12.3), Inches(0.4))
    _text(box, text + " · " + pack.frozen.caption(), 11, colour="#444444")


def to_pptx(pack: Pack) -> bytes:
    from pptx import Presentation
    from pptx.util import Inches

    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(13.333), Inches(7.5)
    # the store's table versions go in the file's properties (traceability), not on the cover
    prs.core_properties.title = pack.title
    prs.core_properties.comments = "Store snapshot: " + pack.frozen.table_versions
    # python-pptx's template says 'Steve Canny', 27 Jan 2013: File > Info showed those
    props = prs.core_properties
    props.author = props.last_modified_by = "EPMO Portfolio Analytics"
    props.created = props.modified = pack.frozen.frozen_at.astimezone(dt.UTC).replace(tzinfo=None)
    props.revision = 1
    props.subject = f"As of the week of {pack.frozen.as_of:%d %b %Y}"
    title_only = prs.slide_layouts[5]  # a title placeholder: PowerPoint's outline sees it
    plan = [(s, part, blocks) for s in pack.slides for part, blocks in enumerate(slide_groups(s.blocks))]
    total = 1 + len(plan)  # the cover, then every slide as it will be counted in PowerPoint
    first = prs.slides.add_slide(title_only)
    _title(first, pack.title, Inches(0.8), Inches(1.6), Inches(11.7), Inches(1.2), 44, lines=2)
    for i, fact in enumerate(pack.facts()):
        box = first.shapes.add_textbox(Inches(0.8), Inches(3.0 + 0.7 * i), Inches(11.7), Inches(0.6))
        _text(box, fact, 22)
    for n, (s, part, blocks) in enumerate(plan, 2):
        slide = prs.slides.add_slide(title_only)
        _title(
            slide,
            s.title,
            Inches(0.5),
            Inches(0.25),
            Inches(12.3),
            Inches(0.7),
            30,
            suffix=" (continued)" if part else "",
        )
        if s.subtitle:  # two lines at most, smaller if need be, else cut at a word: whole in the notes
            sub = slide.shapes.add_textbox(Inches(0.5), Inches(0.9), Inches(12.3), Inches(0.5))
            shown, size, cut = fit_text(s.subtitle, 12.3, 2, (13, 12, 11, 10))
            _text(sub, shown, size, colour="#444444")
            if cut:
                _notes(slide, s.subtitle)
        top = 1.45
        if s.metrics and part == 0:
            m = pd.DataFrame([[x.value for x in s.metrics]], columns=[x.label for x in s.metrics])
            _add_table(slide, m, Inches(0.5), Inches(top), Inches(12.3), Inches(0.7), room=Inches(0.9))
            top += 0.95
        if s.empty:
            _text(slide.shapes.add_textbox(Inches(0.5), Inches(top), Inches(12.3), Inches(0.6)), s.empty, 20)
        width = 12.3 / max(1, len(blocks))
        for k, block in enumerate(blocks):
            x, y = Inches(0.5 + k * width), Inches(top)
            w, h = Inches(width - 0.2), Inches(6.85 - top)
            if isinstance(block, steering.Chart) and block.kind != "grid" and not block.data.empty:
                _add_chart(slide, block, x, y, w, h)
                continue
            label = slide.shapes.add_textbox(x, y, w, Inches(0.4))
            _text(label, block.title, 16, bold=True)
            y2, h2 = (
                Inches(top + 0.45),
                Inches(
                    min(
                        6.4 - top,
                        0.3 * (1 + len(block.data if isinstance(block, steering.Chart) else block.frame)),
                    )
                ),
            )
            room = Inches(TABLE_BOTTOM_IN - top - 0.45)
            if isinstance(block, steering.Chart) and block.data.empty:  # a chart with no rows: said so
                _text(slide.shapes.add_textbox(x, y2, w, Inches(0.5)), "Nothing to show.", 14)
            elif isinstance(block, steering.Chart):
                _add_table(slide, block.data, x, y2, w, h2, fills=block.fills, index=True, room=room)
            elif block.frame.empty:
                _text(slide.shapes.add_textbox(x, y2, w, Inches(0.5)), block.note or "Nothing to show.", 14)
            else:
                _add_table(slide, block.frame, x, y2, w, h2, room=room)
        _caption_box(slide, pack, f"Slide {n} of {total}")
    buf = io.BytesIO()
    prs.save(buf)
    return buf.getvalue()


# --------------------------------------------------------------------------- HTML

_CSS = f"""
body {{ font-family: system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; color: {PRESENT_TEXT};
       margin: 0 auto; max-width: 1500px; padding: 24px 40px; font-size: 18px; }}
section {{ border-top: 4px solid {PRESENT_BLUE}; padding: 16px 0 32px; page-break-before: always; }}
h1 {{ font-size: 44px; margin: 24px 0 8px; }} h2 {{ font-size: 32px; margin: 8px 0; }}
h3 {{ font-size: 22px; margin: 18px 0 6px; }} .sub {{ color: #444; font-size: 16px; }}
.facts p {{ font-size: 22px; margin: 6px 0; }} .caption {{ color: #555; font-size: 14px; }}
.metrics {{ display: flex; flex-wrap: wrap; gap: 12px; margin: 12px 0; }}
.metric {{ border: 2px solid #ccc; border-radius: 6px; padding: 8px 14px; min-width: 140px; }}
.metric .v {{ font-size: 30px; font-weight: 700; }} .metric .l {{ font-size: 14px; color: #333; }}
table {{ border-collapse: collapse; font-size: 16px; }} th, td {{ border: 1px solid #bbb; padding: 4px 8px; text-align: left; }}
th {{ background: #eee; }}
td {{ white-space: nowrap; vertical-align: top; }} td.long {{ white-space: normal; min-width: 7em; }}
"""


LONG_CELL = 20  # characters: a cell longer than this is classed "long" (it may wrap)


def table_html(frame: pd.DataFrame, fills: pd.DataFrame | None = None, index: bool = False) -> str:
    """A display frame as an HTML table, every header and cell escaped (text shown as text):
    the HTML pack's tables, and a slide's tables in presentation mode (app_pages/_steering.py)."""
    head = ([""] if index else []) + [str(c) for c in frame.columns]
    rows = ["<tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in head) + "</tr>"]
    for i, (label, row) in enumerate(frame.iterrows()):
        cells = [f"<th>{html.escape(str(label))}</th>"] if index else []
        for k, v in enumerate(row.tolist()):
            style = ""
            if fills is not None:
                colour = str(fills.iloc[i, k])
                dark = colour.upper() not in ("#FFFFFF", "#BDBDBD", "#E69F00", "#F9A825")
                style = f' style="background:{html.escape(colour)};color:{"#fff" if dark else "#000"}"'
            raw = "" if v is None else str(v)
            text = html.escape(raw)
            long = ' class="long"' if len(raw) > LONG_CELL else ""  # may wrap (presentation CSS)
            cells.append(f'<td title="{text}"{long}{style}>{text}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return "<table>" + "".join(rows) + "</table>"


def to_html(pack: Pack) -> str:
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{html.escape(pack.title)} · {pack.frozen.as_of:%d %b %Y}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<section class='facts'><h1>{html.escape(pack.title)}</h1>",
        *[f"<p{' class=caption' if i == 2 else ''}>{html.escape(f)}</p>" for i, f in enumerate(pack.facts())],
        "</section>",
    ]
    js_done = False
    for n, s in enumerate(pack.slides, 1):
        parts.append(f"<section><h2>{html.escape(s.title)}</h2>")
        if s.subtitle:
            parts.append(f"<p class='sub'>{html.escape(s.subtitle)}</p>")
        parts.append(
            f"<p class='caption'>Slide {n} of {len(pack.slides)} · {html.escape(pack.frozen.caption())}</p>"
        )
        if s.metrics:
            parts.append("<div class='metrics'>")
            parts += [
                f"<div class='metric'><div class='v'>{html.escape(m.value)}</div><div class='l'>{html.escape(m.label)}</div></div>"
                for m in s.metrics
            ]
            parts.append("</div>")
        if s.empty:
            parts.append(f"<p>{html.escape(s.empty)}</p>")
        for block in s.blocks:
            parts.append(f"<h3>{html.escape(block.title)}</h3>")
            if isinstance(block, steering.Chart):
                fig = safe_text.figure(presentation(block.figure))  # data shown as text
                parts.append(
                    fig.to_html(
                        include_plotlyjs=not js_done,
                        full_html=False,
                        config={"displaylogo": False},
                    )
                )
                js_done = True
                if block.kind == "grid":
                    parts.append("<details><summary>The numbers</summary>")
                    parts.append(table_html(block.data, block.fills, index=True))
                    parts.append("</details>")
            elif block.frame.empty:
                parts.append(f"<p>{html.escape(block.note or 'Nothing to show.')}</p>")
            else:
                parts.append(table_html(block.frame))
        parts.append("</section>")
    parts.append(
        f"<p class='caption'>Built {clock.now():%d %b %Y %H:%M} UTC by EPMO Portfolio Analytics.</p>"
    )
    parts.append("</body></html>")
    return "\n".join(parts)


# --------------------------------------------------------------------------- offline check

_URL_ATTRS = {
    "src",
    "href",
    "srcset",
    "poster",
    "data",
    "action",
    "formaction",
    "background",
    "xlink:href",
    "manifest",
}
_REMOTE = ("http:", "https:", "//", "ftp:", "ws:", "wss:")


class _Refs(HTMLParserBase):  # type: ignore[misc, valid-type]
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k.lower(): (v or "") for k, v in attrs}
        if tag in ("link", "iframe", "base", "embed", "object", "frame", "img", "audio", "video", "source"):
            self.found.append(f"<{tag}> element")
        if tag == "meta" and values.get("http-equiv", "").lower() == "refresh":
            self.found.append("<meta http-equiv=refresh>")
        if tag == "script" and "src" in values:
            self.found.append(f"<script src={values['src']!r}>")
        for key, value in values.items():
            v = value.strip().lower()
            if key in _URL_ATTRS and v and not v.startswith(("data:", "#", "javascript:void")):
                self.found.append(f"<{tag} {key}={value!r}>")
            if key == "style":
                self.found += _css_refs(value)
        self._style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._style = False

    def handle_data(self, data: str) -> None:
        if self._style:
            self.found += _css_refs(data)


def _css_refs(css: str) -> list[str]:
    import re

    out = [f"@import in CSS: {m[:60]!r}" for m in re.findall(r"@import[^;]*", css, flags=re.I)]
    for url in re.findall(r"url\(\s*['\"]?([^'\")]*)", css, flags=re.I):
        if not url.strip().lower().startswith("data:"):
            out.append(f"url({url!r}) in CSS")
    return out


def network_references(document: str) -> list[str]:
    """Everything in an HTML document that would make a browser fetch something: elements
    that load resources (<script src>, <link>, <img>, <iframe>...), URL attributes that are
    not data: or #anchors, CSS @import and url(). Text inside <script> is code, not markup:
    plotly.js mentions URLs in strings (attribution links it never fetches) and those are
    not references."""
    parser = _Refs()
    parser.feed(document)
    parser.close()
    return parser.found
