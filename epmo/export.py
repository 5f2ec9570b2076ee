"""Named views (what `python -m epmo export VIEW` prints and pages download) and safe files."""

from __future__ import annotations

import datetime as dt
import importlib
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from epmo.store import Store

if TYPE_CHECKING:  # imported where a frame is written: the CLI builds its parser from VIEWS without it
    import pandas as pd


@dataclass(frozen=True)
class View:
    """A named view: either a named query (params $as_of) or a builder function.

    builder is "module:function", imported when the view is used, called as
    function(store, as_of, **options) -> DataFrame; `options` names the command-line
    options the view takes (see cli.EXPORT_OPTIONS).
    """

    name: str
    query: str
    description: str
    needs_as_of: bool = True
    builder: str = ""
    options: tuple[str, ...] = field(default_factory=tuple)

    def build(self) -> Callable[..., pd.DataFrame]:
        module, func = self.builder.split(":")
        return getattr(importlib.import_module(module), func)  # type: ignore[no-any-return]


VIEWS: dict[str, View] = {
    v.name: v
    for v in (
        View("projects", "export/projects", "Projects as of the date, one row per project."),
        View("milestones", "export/milestones", "Milestones as of the date."),
        View("raid", "export/raid", "RAID items as of the date."),
        View("allocations", "export/allocations", "Demand (allocations) as of the date."),
        View("capacity", "export/capacity", "Supply (capacity) as of the date."),
        View("financials", "export/financials", "Time-phased financials as of the date."),
        View("work_items", "export/work_items", "Agile work items (each project's backlog) as of the date."),
        View("uploads", "export/uploads", "The upload ledger, newest first.", needs_as_of=False),
        View(
            "audit",
            "access/audit_trail",
            "The audit trail: every change, who, when, from where (app or cli) and what; admins only.",
            needs_as_of=False,
        ),
        View(
            "project_health",
            "health/project_health",
            "Earned value, EACs, declared and computed RAG with reasons, per project.",
            builder="epmo.health:project_health_view",
        ),
        View(
            "portfolio_summary",
            "health/portfolio_summary",
            "Per portfolio: sums of BAC/PV/EV/AC/EAC, CPI and SPI as ratios of sums, computed RAG counts.",
            builder="epmo.health:portfolio_summary_view",
        ),
        View(
            "milestone_slippage",
            "health/milestone_slippage",
            "Per milestone: slip against baseline and its change since the week before.",
            builder="epmo.health:milestone_slippage_view",
        ),
        View(
            "changes",
            "health/changes",
            "What changed per project since --since (default: the week before).",
            builder="epmo.health:changes_view",
            options=("since",),
        ),
        View(
            "submission_status",
            "health/submission_status",
            "Per project and PM: last report, weeks stale, on time/late/missing, blank expected fields.",
            builder="epmo.health:submission_status_view",
        ),
        View(
            "priority_scores",
            "",
            "Candidate projects scored and ranked by a scoring model, with each criterion's contribution.",
            builder="epmo.priority:priority_scores",
            options=("model", "model_file"),
        ),
        View(
            "efficient_frontier",
            "",
            "Best total score at each budget level from 0 to the candidates' total cost.",
            builder="epmo.priority:efficient_frontier",
            options=("model", "model_file", "steps", "budget_basis"),
        ),
        View(
            "capacity_utilisation",
            "capacity/utilisation",
            "Demand against available hours per period and role, team or person.",
            builder="epmo.capacity:export_utilisation",
            options=("grain", "by"),
        ),
        View(
            "capacity_shortage",
            "capacity/shortage",
            "Hours and FTE short (or spare) per period and role, with the projects driving it.",
            builder="epmo.capacity:export_shortage",
            options=("grain", "by"),
        ),
        View(
            "flow_metrics",
            "flow/summary",
            "Agile flow per project (--by team|portfolio|all): throughput, WIP, age, cycle and lead time "
            "percentiles, Little's law, with the reasons for blanks.",
            builder="epmo.flow:export_flow_metrics",
            options=("by",),
        ),
        View(
            "flow_forecast",
            "flow/forecasts",
            "Agile projects: Monte Carlo 50/85/95 % dates for the remaining work items against the "
            "baseline end, and the computed RAG.",
            builder="epmo.flow:export_flow_forecast",
        ),
        View(
            "decisions",
            "steering/decisions",
            "The steering decision log: latest version of each decision taken on or before the date.",
            builder="epmo.steering:decisions_view",
            options=("project",),
        ),
    )
}


def view_frame(store: Store, name: str, as_of: dt.date, **options: Any) -> pd.DataFrame:
    """The view's rows. Options not in the view's `options` are ignored when None."""
    if name not in VIEWS:
        raise KeyError(f"unknown view {name!r}; choose one of: {', '.join(VIEWS)}")
    view = VIEWS[name]
    given = {k: v for k, v in options.items() if v is not None}
    unknown = sorted(set(given) - set(view.options))
    if unknown:
        raise ValueError(f"view {name!r} does not take --{', --'.join(u.replace('_', '-') for u in unknown)}")
    if view.builder:
        return view.build()(store, as_of, **given)
    params = {"as_of": as_of} if view.needs_as_of else {}
    return store.frame(view.query, **params)


@cache
def _formula_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The two patterns of queries/macros/epmo_formula.sql, the one definition of a formula
    (the upload check formula_in_cell uses the macro itself)."""
    from epmo import sql

    text = sql.query("macros/epmo_formula").text
    start = re.search(r"regexp_matches\(v, '((?:[^']|'')*)'\)", text)
    number = re.search(r"regexp_full_match\(v, '((?:[^']|'')*)'\)", text)
    if start is None or number is None:  # pragma: no cover - the macro file is part of the code
        raise RuntimeError("queries/macros/epmo_formula.sql lost its patterns")
    return re.compile(start.group(1).replace("''", "'")), re.compile(number.group(1).replace("''", "'"))


def is_formula(value: str) -> bool:
    """True when a spreadsheet could run the text as a formula (the rule of epmo_formula):
    after leading spaces it starts with = + - @, tab or CR, and it is not a plain number or
    phone number such as -1200 or +44 20 7946 0958."""
    start, number = _formula_patterns()
    return start.search(value) is not None and number.fullmatch(value) is None


def neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    """OWASP CSV injection: prefix text cells that a spreadsheet would run as a formula
    (is_formula) with an apostrophe.

    Only text cells change (numbers stay numbers, so -5 is still -5; so does the text
    "-1,200.50", which has nothing to run).
    """
    import pandas as pd

    out = frame.copy()
    for col in out.columns:
        series = out[col]
        if series.dtype == object or pd.api.types.is_string_dtype(series):
            mask = series.map(lambda v: isinstance(v, str) and is_formula(v))
            if mask.any():
                out.loc[mask, col] = "'" + series[mask].astype(str)
    return out


def file_stem(
    stem: str, portfolios: list[str] | tuple[str, ...] = (), programmes: list[str] | tuple[str, ...] = ()
) -> str:
    """A download's file name (without extension) that says how it was filtered: the page's
    stem (which names the week), then the portfolios and programmes chosen, each as letters,
    digits and dashes (a portfolio's name is typed by someone: no path or odd character
    reaches a file name), the whole at most 120 characters."""
    import re

    def slug(text: str) -> str:
        return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-")[:40] or "x"

    parts = [stem]
    if portfolios:
        parts.append("portfolio-" + "+".join(slug(p) for p in portfolios))
    if programmes:
        parts.append("programme-" + "+".join(slug(p) for p in programmes))
    return "_".join(parts)[:120]


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    # CRLF between rows (RFC 4180): Python's csv writer then quotes every cell holding a CR or
    # LF; with "\n" a bare CR was left unquoted, and a spreadsheet split the row there
    return neutralise(frame).to_csv(index=False, lineterminator="\r\n").encode("utf-8")


def to_xlsx_bytes(frame: pd.DataFrame, sheet: str = "data") -> bytes:
    import pandas as pd

    buf = io.BytesIO()
    safe = neutralise(frame)
    for col in safe.columns:
        if isinstance(safe[col].dtype, pd.DatetimeTZDtype):
            safe[col] = safe[col].dt.tz_localize(None)
    with pd.ExcelWriter(
        buf,
        engine="xlsxwriter",
        engine_kwargs={"options": {"strings_to_formulas": False, "strings_to_urls": False}},
    ) as writer:
        safe.to_excel(writer, sheet_name=sheet[:31], index=False)
    return buf.getvalue()


def write(frame: pd.DataFrame, fmt: str) -> bytes:
    if fmt == "csv":
        return to_csv_bytes(frame)
    if fmt == "xlsx":
        return to_xlsx_bytes(frame)
    if fmt == "json":
        return frame.to_json(orient="records", date_format="iso", indent=1).encode("utf-8")
    if fmt == "parquet":
        buf = io.BytesIO()
        frame.to_parquet(buf, index=False)
        return buf.getvalue()
    raise ValueError(f"unknown format {fmt!r}")
