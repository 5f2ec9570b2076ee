"""Uploaded and typed text is shown as text: escaping for Streamlit markdown and for plotly.

Every string that came from an upload, a saved document or a widget is hostile. Streamlit
renders markdown in st.markdown, captions, titles, alerts, toasts, metric labels and values,
widget labels, help tooltips, tab and expander labels and radio/pills options; plotly
renders a subset of HTML (``<a href>``, ``<b>``, ``<span style>``...) in every text it
draws: tick labels, legend names, hover labels, titles and annotations.

- ``md(value)``: the value as literal text inside Streamlit markdown. What markdown, GFM,
  Streamlit's directives (``:red[...]``, ``:small``), LaTeX (``$``) or HTML would read as
  syntax is backslash-escaped: ``\\ ` * _ ~ [ ] < $ |`` everywhere, ``&`` before an entity,
  ``:`` before a letter (a directive), and ``- + = # >`` or ``1.`` at the start of a line.
  Other punctuation is left alone, so the body stays readable. Streamlit replaces
  ``:name:`` shortcodes (emoji, Material icons, ``:streamlit:``) and links bare URLs and
  e-mail addresses (GFM autolink literals) in the parsed text, after escapes are gone, so
  a WORD JOINER (U+2060, invisible) breaks those patterns: after a colon that would open a
  shortcode, between ``https:`` and ``//``, after ``www`` and after ``@``.
- ``plotly(value)``: the value as literal text inside a plotly label (``& < >`` as
  entities; plotly turns entities back into characters after it has parsed its tags).
  ``LINE_BREAK`` (U+2028, LINE SEPARATOR) is the one break data text may carry: a builder
  joins the lines of a label it writes (a grid cell's counts) with it, and it is drawn as
  plotly's ``<br>``; a ``<br>`` typed into the data is escaped like any other tag.
- ``figure(fig)``: a copy of a figure safe to show. Every string in the traces' data (x,
  y, text, hovertext, customdata, names, labels...) and in the layout (category arrays,
  tick texts...) is escaped with ``plotly``; the templates, titles and annotations the
  chart builders write keep their formatting tags (``<br>``, ``<b>``, ``<i>``, ``<sup>``,
  ``<sub>``, ``<em>``, ``<extra>``) and nothing else: any other tag (a link, a styled span)
  is escaped. Chart builders escape data they put into a template or title with ``plotly``.
- ``unplotly(value)``: a value read back from a chart event (customdata of a clicked
  point) as it was before ``figure`` escaped it.

The domain package never imports streamlit: pages call these when they render.
"""

from __future__ import annotations

import html
import re
from typing import Any

import numpy as np
import plotly.graph_objects as go

_ALWAYS = re.compile(r"([\\`*_~\[\]<$|])")  # inline syntax wherever it stands
_ENTITY = re.compile(r"&(?=#?\w+;)")  # &lt; would show as <
_DIRECTIVE = re.compile(r":(?=[A-Za-z])")  # :red[...], :small, :material/x (name-only too)
_LINE_START = re.compile(r"^([ \t]*)([-+=#>]|\d+(?=[.)]))", re.M)  # lists, headings, quotes
# Where Streamlit's text-level replacements would match: a colon that opens a ":name:"
# shortcode (emoji, :material_x:, :streamlit:), a URL scheme's "://", "www." and "@".
_TEXT_PATTERNS = re.compile(r"(:(?=[\w+\-/]+:)|:(?=//)|(?i:www)(?=\.)|@)")
WORD_JOINER = "\u2060"
LINE_BREAK = "\u2028"  # a line break in data text (see the module doc): drawn as <br>


def _line_start(m: re.Match[str]) -> str:
    lead, mark = m.group(1), m.group(2)
    return lead + (mark + "\\" if mark[0].isdigit() else "\\" + mark)


def md(value: Any) -> str:
    """`value` as literal text in Streamlit markdown (None is empty)."""
    if value is None:
        return ""
    text = _TEXT_PATTERNS.sub(r"\1" + WORD_JOINER, str(value))
    text = _ALWAYS.sub(r"\\\1", text)
    text = _ENTITY.sub(r"\\&", text)
    text = _DIRECTIVE.sub(r"\\:", text)
    return _LINE_START.sub(_line_start, text)


def md_quoted(value: Any) -> str:
    """`value` in quotes (as repr would show it), as literal text in markdown."""
    return md(repr(value) if isinstance(value, str) else repr(str(value)))


def plotly(value: Any) -> str:
    """`value` as literal text in a plotly label, hover text or title."""
    text = "" if value is None else str(value)
    if "<" in text or ">" in text or "&" in text:
        text = html.escape(text, quote=False)
    return text.replace(LINE_BREAK, "<br>") if LINE_BREAK in text else text


def unplotly(value: Any) -> Any:
    """A string read back from a chart (e.g. a clicked point's customdata) unescaped (a
    <br> there can only have been a LINE_BREAK: a typed one was escaped)."""
    return html.unescape(value.replace("<br>", LINE_BREAK)) if isinstance(value, str) else value


# plotly's own tags that the builders use for layout; anything else is escaped
_ALLOWED_TAG = re.compile(r"(<(?:br|/?b|/?i|/?em|/?sup|/?sub|/?extra)\s*/?>)", re.IGNORECASE)


def plotly_markup(text: str) -> str:
    """A builder's template or title: formatting tags kept, any other tag escaped."""
    parts = _ALLOWED_TAG.split(text)
    return "".join(
        part if i % 2 else part.replace("<", "&lt;").replace(">", "&gt;") for i, part in enumerate(parts)
    )


# trace and layout keys whose strings are a builder's markup, not data
_MARKUP_KEYS = frozenset({"hovertemplate", "texttemplate", "hovertemplatefallback", "texttemplatefallback"})


def _has_specials(value: Any) -> bool:
    """Whether a data array holds a string with < > & or a LINE_BREAK (most hold none: left
    as they are)."""
    if isinstance(value, str):
        return "<" in value or ">" in value or "&" in value or LINE_BREAK in value
    if isinstance(value, list | tuple):
        return any(_has_specials(v) for v in value)
    if isinstance(value, np.ndarray) and value.dtype.kind in "OUS":
        return any(_has_specials(v) for v in value.reshape(-1))
    return False


def _clean(value: Any, markup: bool) -> Any:
    if isinstance(value, list | tuple | np.ndarray) and not _has_specials(value):
        return value
    if isinstance(value, str):
        if markup:
            return plotly_markup(value) if "<" in value or ">" in value else value
        return plotly(value)
    if isinstance(value, dict):
        return {k: _clean(v, markup or k in _MARKUP_KEYS) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v, markup) for v in value]
    if isinstance(value, np.ndarray) and value.dtype.kind in "OUS":
        return _ARRAY_CLEAN[markup](value.astype(object) if value.dtype.kind != "O" else value)
    return value


_ARRAY_CLEAN = {m: np.frompyfunc(lambda v, m=m: _clean(v, m), 1, 1) for m in (False, True)}


def _clean_texts(value: Any) -> Any:
    """Layout and nested trace objects: a `text` key (a title, an annotation) is markup."""
    if isinstance(value, dict):
        return {
            k: (_clean(v, True) if k == "text" or k in _MARKUP_KEYS else _clean_texts(v))
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [_clean_texts(v) for v in value]
    return _clean(value, False)


def _clean_trace(trace: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in trace.items():
        if key in _MARKUP_KEYS:
            out[key] = _clean(value, True)
        elif isinstance(value, dict):  # marker, line, colorbar (its title.text is markup)...
            out[key] = _clean_texts(value)
        else:  # x, y, z, text, hovertext, customdata, name, labels, ids...: data
            out[key] = _clean(value, False)
    return out


def _changes(value: Any, markup: bool) -> bool:
    """Whether _clean would rewrite anything in `value` (a builder's markup with only its
    formatting tags, and data without < > &, stay as they are)."""
    if isinstance(value, str):
        return plotly_markup(value) != value if markup else _has_specials(value)
    if isinstance(value, dict):
        return any(_changes(v, markup or k in _MARKUP_KEYS) for k, v in value.items())
    return _has_specials(value)


def _layout_changes(value: Any) -> bool:
    if isinstance(value, dict):
        return any(
            _changes(v, True) if k == "text" or k in _MARKUP_KEYS else _layout_changes(v)
            for k, v in value.items()
        )
    if isinstance(value, list | tuple):
        return any(_layout_changes(v) for v in value)
    return _changes(value, False)


def figure(fig: go.Figure) -> go.Figure:
    """`fig` with every label showing its text literally (see the module doc): a copy when
    anything needed escaping, else `fig` itself (copying a figure costs as much as drawing it)."""
    # plotly keeps a figure as plain dicts and arrays (what to_dict deep-copies); they are
    # read here, not changed: _clean builds new containers for everything it rewrites
    raw = getattr(fig, "_data", None), getattr(fig, "_layout", None)
    if isinstance(raw[0], list) and isinstance(raw[1], dict):
        spec = {"data": raw[0], "layout": raw[1], "frames": [f.to_plotly_json() for f in fig.frames]}
    else:
        spec = fig.to_dict()
    layout = dict(spec.get("layout", {}))
    template = layout.pop("template", None)  # the theme: colours and fonts, no text
    traces = spec.get("data", [])
    if not spec.get("frames") and not _layout_changes(layout):
        if not any(
            _changes(v, k in _MARKUP_KEYS) if not isinstance(v, dict) else _layout_changes(v)
            for t in traces
            for k, v in t.items()
        ):
            return fig
    layout = _clean_texts(layout)
    if template is not None:
        layout["template"] = template
    data = [_clean_trace(t) for t in traces]
    # the spec came from a valid figure and escaping only rewrites strings: not validated again
    return go.Figure({"data": data, "layout": layout, "frames": spec.get("frames", [])}, _validate=False)


def figure_strings(fig: go.Figure | dict[str, Any]) -> list[str]:
    """Every string in a figure's data and layout (the theme left out): for tests."""
    spec = fig.to_dict() if isinstance(fig, go.Figure) else fig
    layout = {k: v for k, v in spec.get("layout", {}).items() if k != "template"}
    found: list[str] = []

    def walk(v: Any) -> None:
        if isinstance(v, str):
            found.append(v)
        elif isinstance(v, dict):
            for x in v.values():
                walk(x)
        elif isinstance(v, list | tuple):
            for x in v:
                walk(x)
        elif isinstance(v, np.ndarray) and v.dtype.kind in "OUS":
            for x in v.reshape(-1):
                walk(x)

    walk(spec.get("data", []))
    walk(layout)
    return found
