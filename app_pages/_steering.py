"""What the steering pages share: presentation mode, the running deck's frozen snapshot,
cached slides, and the decision form. Logic lives in epmo/steering.py and epmo/pack.py."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import duckdb
import pandas as pd
import streamlit as st

from app_pages import _shared as ui
from epmo import clock, pack, pagedata, settings, steering
from epmo.safe_text import md
from epmo.theme import PRESENT_FONT_SIZE, PRESENT_TEXT, presentation

DECK_PAGE = "app_pages/deck.py"
PRESENT = "present"
RUN = "_steer_run"  # the running deck: name, freeze (dict), slide index
FLASH, FLASH_KEY = "_steer_flash", "_steer_flash_form"  # a saved decision's message, across the rerun

# A slide's table in presentation mode: an HTML table in this size (the interactive grid's
# type is 13 px, too small across a room or a shared screen). Headers and long cells
# (epmo/pack.py LONG_CELL) wrap, so that a table fits its half of the slide.
PRESENT_TABLE_FONT_SIZE = 16

# Streamlit's chrome, hidden in presentation mode: the sidebar and its toggle, the header
# with the toolbar, main menu and deploy button, and the status widget. Large dark type.
_PRESENT_CSS = f"""
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"],
[data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stAppDeployButton"],
[data-testid="stMainMenu"], [data-testid="stDecoration"], #MainMenu, footer {{ display: none !important; }}
[data-testid="stMainBlockContainer"], .block-container {{ padding-top: 1.2rem !important; max-width: 100% !important;
  padding-left: 2.5rem !important; padding-right: 2.5rem !important; }}
[data-testid="stMain"] {{ color: {PRESENT_TEXT}; }}
[data-testid="stMain"] p, [data-testid="stMain"] li {{ font-size: {PRESENT_FONT_SIZE}px; }}
[data-testid="stMain"] h1 {{ font-size: 2.3rem; padding: 0.1rem 0 0.2rem 0 !important; }}
[data-testid="stMain"] h3 {{ font-size: 1.7rem; }}
[data-testid="stMetricValue"], [data-testid="stMetricValue"] * {{ font-size: 2.3rem !important;
  font-weight: 700 !important; line-height: 1.2 !important; color: {PRESENT_TEXT} !important; }}
[data-testid="stMetricLabel"], [data-testid="stMetricLabel"] * {{ font-size: 1.2rem !important; color: {PRESENT_TEXT} !important; }}
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] *,
[data-testid="stMain"] [data-testid="stCaptionContainer"] p {{ font-size: 1.15rem !important; color: #222222 !important;
  opacity: 1 !important; }}
.epmo-slide-table {{ overflow: auto; border: 1px solid #c8c8c8; border-radius: 6px; }}
.epmo-slide-table table {{ border-collapse: collapse; width: 100%; font-size: {PRESENT_TABLE_FONT_SIZE}px;
  line-height: 1.3; color: {PRESENT_TEXT}; }}
.epmo-slide-table th {{ position: sticky; top: 0; background: #efefef; font-weight: 600; vertical-align: bottom; }}
.epmo-slide-table th, .epmo-slide-table td {{ text-align: left; padding: 3px 8px; border-bottom: 1px solid #dddddd;
  white-space: nowrap; vertical-align: top; }}
.epmo-slide-table th, .epmo-slide-table td.long {{ white-space: normal; min-width: 7em; }}
</style>
"""


def presenting() -> bool:
    return bool(st.session_state.get(PRESENT, False))


def presentation_hook() -> None:
    """Called by app.py on every run: the URL parameter ?present=1 (a prepared link) or the
    sidebar toggle turns presentation mode on; it hides the chrome and enlarges the type."""
    if PRESENT not in st.session_state:
        st.session_state[PRESENT] = st.query_params.get(PRESENT, "") in ("1", "true", "yes")
    st.sidebar.toggle(
        "Presentation mode",
        key=PRESENT,
        help="Hide the sidebar and Streamlit's menus, large type, a colour-blind-safe palette: "
        "for a projector or a video call. A link with ?present=1 opens in it.",
    )
    if presenting():
        st.query_params[PRESENT] = "1"
        st.html(_PRESENT_CSS)
    elif PRESENT in st.query_params:
        del st.query_params[PRESENT]


def exit_button(where: Any = None) -> None:
    """In presentation mode the sidebar is hidden: this button leaves it (the deck puts it
    in its navigation row, so that the slide keeps the screen's height)."""
    if presenting():
        where = where or st
        where.button(
            "Exit presentation mode", key="exit_present", icon=":material/close_fullscreen:", on_click=_leave
        )


def _leave() -> None:
    st.session_state[PRESENT] = False


# --------------------------------------------------------------------------- decks


def deck_names(snap: Any, f: Any) -> list[str]:
    """The built-in deck, then every saved deck (cached on the store version)."""
    return ui.page(pagedata.steering.decks, snap, f).names


def load_deck(snap: Any, f: Any, name: str) -> steering.Deck:
    """A deck by name (the latest version), through the page-data cache."""
    return ui.page(pagedata.steering.decks, snap, f).deck(name)  # type: ignore[no-any-return]


# --------------------------------------------------------------------------- frozen reads


@st.cache_resource(max_entries=4)
def _frozen_connection(freeze_key: str, live_key: str, _frozen: steering.Freeze) -> duckdb.DuckDBPyConnection:
    return steering.connect_frozen(ui.store(), _frozen, threaded=True)  # shared by the sessions


@st.cache_data(max_entries=16, show_spinner=False)
def _live_cutoff(live_key: str, _snap: Any) -> dt.datetime:
    return steering.ledger_cutoff(ui.connection(_snap))


def live_cutoff(snap: Any) -> dt.datetime:
    """The latest commit stamp in the current snapshot (once per snapshot, on the shared
    connection)."""
    return _live_cutoff(snap.key, snap)  # type: ignore[no-any-return]


def frozen_connection(frozen: steering.Freeze) -> duckdb.DuckDBPyConnection:
    """A connection over the frozen snapshot. When nothing was committed after the freeze
    (its cutoff is at or after the live snapshot's latest stamp), the cutoff filters keep
    every row, so that is the live, shared connection: no connection of its own per deck
    started (each cost a whole store connection, and with uploads arriving the two cached
    ones were rebuilt on nearly every deck run of a busy replica). Else a connection of its
    own, a new one when the live files change (after a compaction), which reads the same
    rows. A cutoff later than the served snapshot's latest stamp (a link made on a replica
    with newer data, while this one serves the previous version: ui.snapshot) is read over
    the store's current snapshot, never the older one."""
    snap = ui.snapshot()
    if frozen.cutoff_at > live_cutoff(snap):
        snap = ui.current_snapshot()
    if frozen.cutoff_at >= live_cutoff(snap):
        return ui.connection(snap)
    return _frozen_connection(frozen.key, snap.key, frozen)


def freeze(
    as_of: dt.date, cutoff_at: dt.datetime | None = None, frozen_at: dt.datetime | None = None
) -> steering.Freeze:
    """Pin the store now (or at `cutoff_at`, named as frozen at `frozen_at`: a deck's link),
    reading the cutoff on the shared connection of the snapshot the page shows (ui.snapshot:
    while newer data builds, the previous version; the deck page pins again once the newer
    data is shown)."""
    snap = ui.snapshot()
    return steering.freeze(
        ui.store(), as_of, cutoff_at, live=(snap, ui.connection(snap)), frozen_at=frozen_at
    )


@st.cache_data(max_entries=128, show_spinner=False)
def _slide(
    freeze_key: str, spec_json: str, scope_json: str, docs_key: str, decided_by: str, _frozen: steering.Freeze
) -> steering.Slide:
    spec = steering.parse_slide(json.loads(spec_json), 1)
    day = dt.date.fromisoformat(decided_by)
    return steering.build_slide(frozen_connection(_frozen), _frozen.as_of, spec, json.loads(scope_json), day)


def slide(frozen: steering.Freeze, spec: steering.SlideSpec, scope: dict[str, list[str]]) -> steering.Slide:
    """One slide, cached on the freeze (decisions, which are taken during the meeting, on
    the documents table's version as well)."""
    docs = _docs_key() if spec.view in ("project", "decisions") else ""
    return _slide(
        frozen.key,
        json.dumps(spec.to_dict(), sort_keys=True),
        json.dumps(scope, sort_keys=True),
        docs,
        frozen.decisions_until(live=True).isoformat(),  # its decisions run up to that day
        frozen,
    )


def _docs_key() -> str:
    """The documents table's version: decisions recorded during the meeting change a slide."""
    return str(dict(ui.snapshot().versions).get("documents", -1))


def freshness(frozen: steering.Freeze, scope: dict[str, list[str]]) -> dict[str, int]:
    return _freshness(frozen.key, json.dumps(scope, sort_keys=True), frozen)


@st.cache_data(max_entries=16, show_spinner=False)
def _freshness(freeze_key: str, scope_json: str, _frozen: steering.Freeze) -> dict[str, int]:
    return steering.freshness(frozen_connection(_frozen), _frozen.as_of, json.loads(scope_json))


@st.cache_data(max_entries=8, show_spinner=False)
def _pack_bytes(
    freeze_key: str, deck_json: str, fmt: str, name: str, docs_key: str, _frozen: steering.Freeze
) -> bytes:
    deck = steering.parse_deck(name, deck_json)
    # its own connection (another thread)
    content = pack.build_from_store(ui.store(), deck, _frozen, _frozen.decisions_until(live=True))
    return pack.to_pptx(content) if fmt == "pptx" else pack.to_html(content).encode("utf-8")


def pack_downloads(deck: steering.Deck, frozen: steering.Freeze) -> None:
    """PowerPoint and HTML steering packs of the running deck, from its frozen snapshot;
    built when clicked."""
    row = st.container(horizontal=True)
    stem = f"steering_pack_{deck.name.replace(' ', '_')}_{frozen.as_of}"
    for fmt, label, mime in (
        (
            "pptx",
            "Steering pack (PowerPoint)",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ),
        ("html", "Steering pack (HTML, offline)", "text/html"),
    ):
        row.download_button(
            label,
            lambda fmt=fmt: _pack_bytes(frozen.key, deck.to_json(), fmt, deck.name, _docs_key(), frozen),
            f"{stem}.{fmt}",
            mime,
            key=f"pack_{fmt}",
            icon=":material/download:",
            width="content",
            on_click="ignore",
        )


# --------------------------------------------------------------------------- rendering


# Presentation mode fits a slide into a 1280x720 screen share (the sign-in badge and the
# navigation row included): the charts and tables get
# what is left of SCREEN_HEIGHT after the navigation, title, caption, metric rows and the
# subheaders (pixels measured at 1280x720 in tests/e2e/test_screens.py).
SCREEN_HEIGHT = 720
_NAV, _TITLE, _CAPTION, _METRIC_ROW, _SUBHEADER, _MARGIN = (
    125,
    55,
    35,
    88,
    84,
    40,
)  # a subheader may take two lines
# a long subtitle presented under the figures: about 120 characters a line at 1280 px
_NOTE_LINE_CHARS, _NOTE_LINE_PX = 120, 30
_NOTE_MAX_LINES = 2
METRICS_PER_ROW = 6
# below this many pixels a chart is unreadable on a shared screen (a slide with two rows of
# metrics leaves about 200): the figures then follow on a screen of their own
MIN_FIGURE_PX = 240


def figure_budget(metrics: int) -> int:
    """Pixels of height for the figures of a presented screen with that many metrics."""
    rows = -(-metrics // METRICS_PER_ROW)
    used = _NAV + _TITLE + _CAPTION + _METRIC_ROW * rows + _MARGIN
    return max(180, SCREEN_HEIGHT - used - _SUBHEADER)


# a table of sentences (the watermelons' reasons) wraps to three lines a row in presentation
# type: this many rows fill a screen of its own; more follow on the next screens
WORDY_ROWS_PER_SCREEN = 5
# a presented table's header (two lines when it wraps) and each one-line row, in pixels at
# PRESENT_TABLE_FONT_SIZE (16 px type, 1.3 line height, 3 px padding, 1 px rule)
TABLE_HEAD_PX, TABLE_ROW_PX = 50, 28


# half a 1280 px screen, the room of a table beside a chart, and the width of the
# presentation type's average character (Source Sans at 16 px) and a cell's padding
HALF_SCREEN_PX, CHAR_PX, CELL_PAD_PX = 575, 8.8, 16


def fits_beside_a_chart(t: steering.Table, rows: int) -> bool:
    """Whether a table fits half the screen beside a chart: at most `rows` rows, and its
    columns (a header wraps at its words; a cell longer than pack.LONG_CELL may wrap there)
    within HALF_SCREEN_PX."""
    if t.wordy or len(t.frame) > rows:
        return False
    width = 0.0
    for col in t.frame.columns:
        header = max((len(w) for w in str(col).split()), default=0)
        cells = max((min(len(str(v)), pack.LONG_CELL) for v in t.frame[col].tolist()), default=0)
        width += max(header, cells) * CHAR_PX + CELL_PAD_PX
    return width <= HALF_SCREEN_PX


def rows_that_fit(height: int) -> int:
    """The rows of a presented table (one line each) that fit `height` pixels with its header."""
    return max(3, (height - TABLE_HEAD_PX) // TABLE_ROW_PX)


def _table_budget(s: steering.Slide, first: bool) -> int:
    """The height a screen of the slide gives a table: under the metrics when it is the
    slide's first screen (unless they take a screen of their own), less a long subtitle
    written under it."""
    budget = figure_budget(len(s.metrics) if first else 0)
    if budget < MIN_FIGURE_PX:
        budget = figure_budget(0)
    budget -= _NOTE_LINE_PX * _note_lines(s)  # the note written under it
    return budget


def _screens_of(t: steering.Table, per_screen: int = WORDY_ROWS_PER_SCREEN) -> list[steering.Table]:
    """A table in screens of at most `per_screen` rows, each titled with the rows it holds
    (a 46-row table scrolled inside the slide, a row cut across its edge)."""
    n = len(t.frame)
    if n <= per_screen:
        return [t]
    screens = -(-n // per_screen)
    # as even as can be: 6 rows are 3 and 3, 46 are six of 5 and four of 4 (not nine and 1)
    sizes = [n // screens + (1 if k < n % screens else 0) for k in range(screens)]
    starts = [sum(sizes[:k]) for k in range(screens)]
    return [
        dataclasses.replace(
            t, title=f"{t.title} (rows {a + 1}-{a + size} of {n})", frame=t.frame.iloc[a : a + size]
        )
        for a, size in zip(starts, sizes, strict=True)
    ]


def present_parts(s: steering.Slide) -> list[list[steering.Chart | steering.Table]]:
    """Presenting, a slide's figures in screens that fit 1280x720: two side by side (a table
    only when it fits half the screen, fits_beside_a_chart), then each other table on
    screens of its own, the whole width (a table of sentences, the watermelons' reasons,
    WORDY_ROWS_PER_SCREEN rows a screen; another as many rows as fit, rows_that_fit), then a grid (RAG matrix, capacity: it needs the width for its cell
    labels) on a screen of its own, and a wide chart (the ranking's bars, names and legend)
    on one before them all.
    A slide with so many metrics that its figures would be too small shows the metrics on
    a screen of their own first. Next and Previous walk the parts before the next slide, as
    the PPTX's "(continued)"."""
    blocks: list[steering.Chart | steering.Table] = list(s.blocks)
    wides = [b for b in blocks if isinstance(b, steering.Chart) and b.wide]
    grids = [b for b in blocks if isinstance(b, steering.Chart) and b.kind == "grid" and not b.wide]
    # the tables' screens follow the charts': the first screen of the slide (under its
    # metrics) only when it has no chart before them
    before = [b for b in blocks if isinstance(b, steering.Chart) and (b.wide or b.kind != "grid")]
    fit = rows_that_fit(_table_budget(s, first=not before))
    # a table that does not fit half the screen beside a chart takes screens of its own, the
    # whole width, as many rows as fit on each: beside a chart, half a 1280 px screen cut the
    # last columns of a wide one, and the rows below the slide's edge scrolled out of sight
    beside = rows_that_fit(_table_budget(s, first=True))
    texts = [b for b in blocks if isinstance(b, steering.Table) and not fits_beside_a_chart(b, beside)]
    others = [b for b in blocks if not any(b is g for g in (*wides, *grids, *texts))]
    parts = (
        [[w] for w in wides]
        + [others[i : i + 2] for i in range(0, len(others), 2)]
        + [[screen] for t in texts for screen in _screens_of(t, WORDY_ROWS_PER_SCREEN if t.wordy else fit)]
        + [[g] for g in grids]
    )
    if parts and s.metrics and figure_budget(len(s.metrics)) < MIN_FIGURE_PX:
        parts = [[], *parts]  # the metrics alone first
    return parts or [[]]


def under_figures(s: steering.Slide) -> str:
    """What of a slide's long subtitle a presented screen writes under its figures: all of it
    up to _NOTE_MAX_LINES lines (a project's RAG and reasons); of a longer one, its first
    clause, up to ' — ', when that fits (a project's "Computed RAG R Red, declared G Green ·
    portfolio · stage · PM"), else nothing. A subtitle not written whole there is in the
    title's help: under three lines of rules the CPI/SPI chart kept a plot 64 px high, and
    the whole of a project's in the help hid its Red from an audience that cannot hover."""
    text = s.subtitle or ""
    if len(text) <= 110:
        return ""  # short: on the caption line
    if _lines(text) <= _NOTE_MAX_LINES:
        return text
    head = text.split(" — ", 1)[0] if " — " in text else ""
    return head if head and _lines(head) <= _NOTE_MAX_LINES else ""


def _lines(text: str) -> int:
    return -(-len(text) // _NOTE_LINE_CHARS)


def _note_lines(s: steering.Slide) -> int:
    """The lines written under a presented screen's figures (under_figures)."""
    return _lines(under_figures(s))


def _note_budget(s: steering.Slide, part: int) -> int:
    """The figures' height with the slide's long subtitle written under them."""
    return max(180, figure_budget(len(s.metrics) if part == 0 else 0) - _NOTE_LINE_PX * _note_lines(s))


def render_slide(s: steering.Slide, frozen: steering.Freeze, key: str, part: int = 0) -> None:
    parts = present_parts(s) if presenting() else [list(s.blocks)]
    part = min(max(part, 0), len(parts) - 1)
    # presenting, a long subtitle goes under the figures, as much of it as under_figures says,
    # and whole in the title's help when it is not written whole there
    long = presenting() and len(s.subtitle or "") > 110
    under = under_figures(s) if long and parts[part] else (s.subtitle or "") if long else ""
    title_help = md(s.subtitle) if long and under != s.subtitle else None  # the whole, where it is cut
    long_note = bool(under)
    note = f" · {s.subtitle}" if s.subtitle and not long else ""
    st.title(md(s.title) + (f" ({part + 1} of {len(parts)})" if len(parts) > 1 else ""), help=title_help)
    st.caption(md(frozen.caption() + note))
    if s.metrics and part == 0:
        for start in range(0, len(s.metrics), METRICS_PER_ROW):
            cols = ui.metric_columns(METRICS_PER_ROW, width=180)
            for col, m in zip(cols, s.metrics[start : start + METRICS_PER_ROW], strict=False):
                col.metric(md(m.label), md(m.value), help=md(m.note) or None)
    if s.empty:
        st.info(md(s.empty))
        return
    blocks = parts[part]
    charts_ = [b for b in blocks if isinstance(b, steering.Chart)]
    tables = [b for b in blocks if isinstance(b, steering.Table)]
    blocks = [*charts_, *tables]
    budget: int | None = None
    if presenting() and blocks:
        budget = _note_budget(s, part) if long_note else figure_budget(len(s.metrics) if part == 0 else 0)
        places = st.columns(len(blocks), gap="medium")
    else:
        # grids (RAG matrix, capacity) need the full width for their cell labels
        side_by_side = len(charts_) > 1 and not any(c.kind == "grid" for c in charts_)
        places = st.columns(len(charts_)) if side_by_side else [st.container() for _ in charts_]
        places += [st.container() for _ in tables]
    for i, (place, b) in enumerate(zip(places, blocks, strict=False)):
        with place:
            st.subheader(md(b.title))
            if isinstance(b, steering.Chart):
                # theme=None: the presentation styling, not Streamlit's chart theme, sets the type
                ui.chart(presentation(b.figure, height=budget), key=f"{key}_chart_{i}", theme=None)
            elif b.frame.empty:
                st.caption(md(b.note) or "Nothing to show.")
            elif presenting():
                _presented_table(b.frame, budget)
            else:
                rows_high = 38 + 35 * len(b.frame)
                ui.table(b.frame, key=f"{key}_table_{i}", height=min(budget, rows_high) if budget else "auto")
            if not presenting():
                ui.show_sql(b.source, key=f"{key}_block_{i}", what=b.title)
    if long_note:
        st.caption(md(under))


def _presented_table(frame: pd.DataFrame, height: int | None) -> None:
    """A slide's table as the projector shows it: the HTML pack's table (every cell escaped,
    text as text; a cut cell's whole text in its tooltip) in presentation type. The screens
    are cut so that its rows fit `height` (rows_that_fit); the limit is a guard only."""
    limit = f' style="max-height: {int(height)}px"' if height else ""
    st.html(f'<div class="epmo-slide-table"{limit}>{pack.table_html(frame)}</div>')


# --------------------------------------------------------------------------- decisions


def decision_form(
    con: duckdb.DuckDBPyConnection,
    frozen: steering.Freeze | Callable[[], steering.Freeze],
    key: str,
    project_ids: list[str],
    existing: dict[str, Any] | None = None,
    decision_id: str | None = None,
) -> None:
    """Record (or edit: a new version) a decision, linked to the frozen snapshot."""
    e = existing or {}
    if key == st.session_state.get(FLASH_KEY) and FLASH in st.session_state:
        st.success(md(st.session_state.pop(FLASH)))
    statuses = list(settings.current().steering.decision_statuses)
    with st.form(key, clear_on_submit=existing is None):
        text = st.text_area("Decision", value=e.get("decision", ""), key=f"{key}_decision")
        rationale = st.text_area("Rationale", value=e.get("rationale", ""), key=f"{key}_rationale")
        c = st.columns([3, 2])
        chosen = c[0].multiselect(
            "Projects affected",
            project_ids,
            default=[p for p in e.get("project_ids", []) if p in project_ids],
            key=f"{key}_projects",
        )
        owner = c[1].text_input("Owner", value=e.get("owner", ""), key=f"{key}_owner")
        # The dates and the status on a row of their own: beside the projects and the owner
        # a fifth of the form cut the dates ("2026-11-3(") even at 1440 px.
        c = st.columns(3)
        day = c[0].date_input(
            "Decision date",
            value=_day(e.get("decision_date")) or clock.today(),
            key=f"{key}_date",
            format=ui.DATE_INPUT_FORMAT,
        )
        due = c[1].date_input(
            "Due date", value=_day(e.get("due_date")), key=f"{key}_due", format=ui.DATE_INPUT_FORMAT
        )
        status = c[2].selectbox(
            "Status",
            statuses,
            index=statuses.index(e.get("status", statuses[0])) if e.get("status") in statuses else 0,
            key=f"{key}_status",
        )
        st.text(f"Recorded by {ui.current_identity().email}")
        submitted = st.form_submit_button(
            "Save a new version" if decision_id else "Record decision",
            type="primary",
            disabled=not ui.allowed("decision"),
        )
    if submitted:
        data = {
            "decision": text,
            "rationale": rationale,
            "project_ids": chosen,
            "owner": owner,
            "decision_date": day,
            "due_date": due,
            "status": status,
        }
        try:
            basis = frozen if isinstance(frozen, steering.Freeze) else frozen()
            decision = steering.validate_decision(con, data, basis, kept_date=_day(e.get("decision_date")))
            saved = steering.save_decision(ui.store(), decision, ui.require("decision"), decision_id)
        except steering.SteeringError as exc:
            st.error(md(exc))
            return
        # rerun so that the log above shows it; the message survives the rerun
        st.session_state[FLASH_KEY] = key
        st.session_state[FLASH] = (
            f"Saved decision {saved}"
            + (" (a new version; earlier versions are kept)" if decision_id else "")
            + "."
        )
        st.rerun()


def _day(value: Any) -> dt.date | None:
    if value is None or value == "" or bool(pd.isna(value)):
        return None
    return pd.Timestamp(value).date()


def live_freeze(as_of: dt.date) -> steering.Freeze:
    """Outside a meeting: the current store, pinned for this run (decisions link to it)."""
    return freeze(as_of)


def project_decisions(frame: pd.DataFrame, project_id: str, as_of: dt.date, query: str) -> None:
    """The Project page's decisions section: decisions affecting the project."""
    st.subheader(f"Steering decisions ({len(frame)})")
    if frame.empty:
        st.caption("No steering decision affects this project. Record one on the Decisions page.")
    else:
        cols = [
            "decision_date",
            "decision",
            "rationale",
            "owner",
            "due_date",
            "status",
            "based_on_as_of_date",
            "version",
        ]
        ui.table(
            frame[cols],
            key="project_decisions",
        )
    ui.downloads(frame, f"{project_id}_decisions_{as_of}", "project_decisions")
    ui.show_sql(query)


def known_projects(con: duckdb.DuckDBPyConnection, as_of: dt.date) -> list[str]:
    return pagedata.steering.known_projects(con, pagedata.Filters(as_of))
