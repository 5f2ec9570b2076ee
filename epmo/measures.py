"""Every health measure, defined once: name, label, formula, description, format, source.

The SQL that computes them is queries/views/project_health_compute.sql (per project) and the
roll-up queries in queries/health/; docs/metrics.md is generated from this registry
(`python -m epmo docs`), and a test fails when a column of a health view is not here.
Pages and exports refer to measures by name: `label(name)`, `fmt(name, value)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from epmo.settings import current


@dataclass(frozen=True)
class Measure:
    name: str
    label: str
    formula: str
    description: str
    format: str  # money | ratio | days | count | hours | date | text | percent | flag
    source: str = "queries/views/project_health_compute.sql"


DOC_PATH = Path(__file__).resolve().parent.parent / "docs" / "metrics.md"
PMBOK = "PMI, PMBOK Guide 6th ed. (2017), section 7.4.2.2, table 7-1 'Earned value calculations summary'"

_MEASURES: tuple[Measure, ...] = (
    Measure("bac", "BAC", "budget_bac", "Budget at completion: the approved budget.", "money"),
    Measure(
        "pv",
        "PV",
        "time-phased financials: sum of planned_cost of the months before the status date, plus "
        "the status date's month pro rata by the project's days in it (from start_date, to "
        "baseline_end_date; nothing before the project starts); else the reported planned_value; "
        "else BAC x elapsed share of start_date..baseline_end_date (0 to 1)",
        "Planned value at the status date (the date the project's report is for). pv_source says "
        "which rule applied: financials, reported or linear.",
        "money",
    ),
    Measure(
        "ev",
        "EV",
        "earned_value; else percent_complete / 100 x BAC",
        "Earned value at the status date. ev_source says which: reported or percent_complete.",
        "money",
    ),
    Measure("ac", "AC", "actual_cost", "Actual cost to date, as reported.", "money"),
    Measure("cv", "CV", "EV - AC", f"Cost variance; negative is over cost. {PMBOK}.", "money"),
    Measure("sv", "SV", "EV - PV", f"Schedule variance; negative is behind plan. {PMBOK}.", "money"),
    Measure("cpi", "CPI", "EV / AC", "Cost performance index; blank when AC is 0 or blank.", "ratio"),
    Measure("spi", "SPI", "EV / PV", "Schedule performance index; blank when PV is 0 or blank.", "ratio"),
    Measure(
        "eac_cpi",
        "EAC (BAC/CPI)",
        "BAC / CPI",
        "Estimate at completion if cost performance continues.",
        "money",
    ),
    Measure(
        "eac_atypical",
        "EAC (atypical)",
        "AC + (BAC - EV)",
        "Estimate at completion if the remaining work goes to budget.",
        "money",
    ),
    Measure(
        "eac_cpi_spi",
        "EAC (CPI x SPI)",
        "AC + (BAC - EV) / (CPI x SPI)",
        "Estimate at completion if both cost and schedule performance continue.",
        "money",
    ),
    Measure(
        "eac_pm", "EAC (PM)", "forecast_eac", "The project manager's own estimate at completion.", "money"
    ),
    Measure(
        "eac",
        "EAC",
        "the EAC named by health.primary_eac (default pm); when blank the first of pm, cpi, "
        "atypical that is present",
        "The estimate at completion used for ETC, VAC, TCPI to EAC and roll-ups; eac_basis says "
        "which variant it is.",
        "money",
    ),
    Measure("eac_basis", "EAC basis", "pm | cpi | atypical | cpi_spi", "Which EAC variant `eac` is.", "text"),
    Measure("etc", "ETC", "EAC - AC", "Estimate to complete.", "money"),
    Measure("vac", "VAC", "BAC - EAC", "Variance at completion; negative is a forecast overspend.", "money"),
    Measure(
        "tcpi_bac",
        "TCPI (BAC)",
        "(BAC - EV) / (BAC - AC)",
        "Cost efficiency needed on the remaining work to finish on budget; blank when BAC = AC.",
        "ratio",
    ),
    Measure(
        "tcpi_eac",
        "TCPI (EAC)",
        "(BAC - EV) / (EAC - AC)",
        "Cost efficiency needed to finish at the EAC; blank when EAC = AC.",
        "ratio",
    ),
    Measure("pv_source", "PV source", "financials | reported | linear", "Where PV came from.", "text"),
    Measure("ev_source", "EV source", "reported | percent_complete", "Where EV came from.", "text"),
    Measure(
        "evm_notes",
        "Blank because",
        "one note per blank measure",
        "Why a measure is blank: a missing input or a zero denominator (never shown as 0).",
        "text",
    ),
    Measure(
        "forecast_slip_days",
        "End slip (days)",
        "coalesce(actual_end_date, forecast_end_date) - baseline_end_date",
        "Days the (actual or forecast) end lies beyond the baseline end.",
        "days",
    ),
    Measure(
        "key_milestone_slip_days",
        "Key milestone slip (days)",
        "max over open key milestones of forecast_date - baseline_date",
        "The worst slip of a key milestone not yet achieved; key_milestone_name names it.",
        "days",
    ),
    Measure(
        "key_milestone_name", "Worst key milestone", "arg_max(milestone_name, slip)", "Its name.", "text"
    ),
    Measure(
        "overdue_risk_count",
        "Overdue risks",
        "open risks with probability x impact >= health.overdue_risk_score and due_date before "
        "the as-of week",
        "High-scoring open risks past their due date.",
        "count",
    ),
    Measure("rag_declared", "Declared RAG", "rag_overall", "The RAG the project manager declared.", "text"),
    Measure(
        "rag_computed",
        "Computed RAG",
        "worst of: CPI and SPI (below health.*_red_below Red, below *_amber_below Amber); end "
        "slip and worst key milestone slip (>= slip_red_days Red, >= slip_amber_days Amber); an "
        "overdue high risk (Amber). Green only when none fired and CPI or SPI is known; blank "
        "when neither CPI nor SPI is known and no other rule fired, or the stage is not in "
        "health.active_stages",
        "The RAG the rules give, beside the declared one.",
        "text",
    ),
    Measure(
        "rag_reasons",
        "Why",
        "the rules that fired, in words",
        "Reasons for the computed RAG; ratios in them are rounded to 2 decimals, or 4 where 2 "
        "would read as the limit itself (0.8499 below 0.85).",
        "text",
    ),
    Measure(
        "is_watermelon",
        "Watermelon",
        "rag_declared = 'Green' AND rag_computed = 'Red'",
        "Green outside, red inside.",
        "flag",
    ),
    Measure(
        "slip_days",
        "Slip (days)",
        "coalesce(actual_date, forecast_date) - baseline_date",
        "A milestone's slip against its baseline.",
        "days",
        "queries/health/milestone_slippage.sql",
    ),
    Measure(
        "slip_change_days",
        "Slip change (days)",
        "slip_days as of the week - slip_days as of the week before",
        "How much a milestone slipped (positive) or recovered since the previous snapshot.",
        "days",
        "queries/health/milestone_slippage.sql",
    ),
    Measure(
        "portfolio_cpi",
        "Portfolio CPI",
        "sum(EV) / sum(AC) over projects with both",
        "Roll-ups are ratios of sums, never averages of ratios.",
        "ratio",
        "queries/health/portfolio_summary.sql",
    ),
    Measure(
        "portfolio_spi",
        "Portfolio SPI",
        "sum(EV) / sum(PV) over projects with both",
        "Roll-ups are ratios of sums, never averages of ratios.",
        "ratio",
        "queries/health/portfolio_summary.sql",
    ),
    Measure(
        "weeks_stale",
        "Weeks since report",
        "(as-of week - the week of the project's latest report) // 7",
        "0 = reported for this very week.",
        "count",
        "queries/views/current_submissions_weeks.sql",
    ),
    Measure(
        "submission_status",
        "Submission",
        "missing (no report for the week, active stage) | not expected (inactive stage) | late "
        "(committed more than health.late_after_days after the week) | on time",
        "Whether the project's report for the as-of week arrived, and when.",
        "text",
        "queries/health/submission_status.sql",
    ),
    Measure(
        "missing_required_fields",
        "Blank expected fields",
        "the health.expected_fields that are blank, for projects in active stages",
        "Fields the template allows blank but health metrics need.",
        "text",
        "queries/health/submission_status.sql",
    ),
    Measure(
        "submitted_for_week",
        "Reported this week",
        "weeks_stale = 0",
        "The project's latest report is for the as-of week.",
        "flag",
        "queries/health/submission_status.sql",
    ),
    Measure(
        "missing_field_count",
        "Blank fields",
        "count of missing_required_fields",
        "How many expected fields are blank.",
        "count",
        "queries/health/submission_status.sql",
    ),
    Measure(
        "is_unchanged_too_long",
        "Unchanged too long",
        "unchanged_weeks >= health.unchanged_weeks",
        "The row has been copied forward unchanged for too many weeks.",
        "flag",
        "queries/health/submission_status.sql",
    ),
    Measure(
        "unchanged_weeks",
        "Unchanged for (weeks)",
        "consecutive latest reports whose whole row is identical",
        "A row copied forward week after week; flagged at health.unchanged_weeks.",
        "count",
        "queries/health/submission_status.sql",
    ),
)

# Flow measures of agile work items (docs/flow.md). Days count inclusively: an item started
# and finished on the same day took 1 day. Percentiles are nearest-rank. The window is
# [flow] window_days of settings.toml, ending on the as-of week.
_FLOW = "queries/flow/summary.sql"
_FLOW_MEASURES: tuple[Measure, ...] = (
    Measure(
        "items_done",
        "Throughput",
        "count of items whose done_date falls in the 7 days ending on the week",
        "Items finished per week (epics and sub-tasks not counted); 0 when none.",
        "count",
        "queries/flow/throughput.sql",
    ),
    Measure(
        "throughput_per_week",
        "Throughput / week",
        "done_in_window / (window_days / 7)",
        "Average items finished per week over the window.",
        "ratio",
        _FLOW,
    ),
    Measure(
        "done_in_window",
        "Done in window",
        "count of items with done_date in (as-of - window_days, as-of]",
        "Items finished in the window.",
        "count",
        _FLOW,
    ),
    Measure(
        "items",
        "Items",
        "count of counted items",
        "Work items in the backlog (not epics or sub-tasks).",
        "count",
        _FLOW,
    ),
    Measure("to_do", "To do", "count where status_category = 'To Do'", "Items not started.", "count", _FLOW),
    Measure(
        "wip",
        "WIP",
        "count where status_category = 'In Progress'",
        "Work in progress as of the week (with or without a start date).",
        "count",
        _FLOW,
    ),
    Measure("done", "Done", "count where status_category = 'Done'", "Items finished, ever.", "count", _FLOW),
    Measure(
        "cycle_time_days",
        "Cycle time (days)",
        "done_date - started_date + 1",
        "Days from the start of work to done, counting both days; blank without a start date.",
        "days",
        "queries/flow/flow_items.sql",
    ),
    Measure(
        "lead_time_days",
        "Lead time (days)",
        "done_date - created_date + 1",
        "Days from creation (arrival in the backlog) to done, counting both days.",
        "days",
        "queries/flow/flow_items.sql",
    ),
    Measure(
        "age_days",
        "Age (days)",
        "as-of week - started_date + 1",
        "Work-item age of an item in progress; blank without a start date.",
        "days",
        "queries/flow/flow_items.sql",
    ),
    *(
        Measure(
            f"{kind}_p{p}",
            f"{label} P{p}",
            f"nearest-rank {p}th percentile of {kind}_days{' of items done in the window' if kind != 'age' else ' of items in progress'}",
            f"{p} % of the items took (or have been in progress) this many days or fewer.",
            "days",
            _FLOW,
        )
        for kind, label in (("cycle_time", "Cycle time"), ("lead_time", "Lead time"))
        for p in (50, 85, 95)
    ),
    Measure(
        "age_p50",
        "Age P50",
        "nearest-rank median of age_days",
        "Median age of work in progress.",
        "days",
        _FLOW,
    ),
    Measure(
        "age_p85",
        "Age P85",
        "nearest-rank 85th percentile of age_days",
        "Age of work in progress.",
        "days",
        _FLOW,
    ),
    Measure(
        "oldest_age_days", "Oldest (days)", "max(age_days)", "The oldest item in progress.", "days", _FLOW
    ),
    Measure(
        "is_older_than_p85",
        "Older than P85",
        "age_days > cycle_time_p85",
        "In progress for longer than 85 % of the items finished in the window took.",
        "flag",
        "queries/flow/wip_age.sql",
    ),
    Measure(
        "avg_wip",
        "Average WIP",
        "mean over the window's days of the items with started_date <= day <= done_date (or not done)",
        "Average work in progress, counted inclusively like cycle time (items without a start date "
        "cannot be placed).",
        "ratio",
        _FLOW,
    ),
    Measure(
        "mean_cycle_time_days",
        "Mean cycle time",
        "avg(cycle_time_days) of items done in the window",
        "Observed average cycle time (for Little's law).",
        "ratio",
        _FLOW,
    ),
    Measure(
        "littles_law_cycle_days",
        "Little's law cycle time",
        "avg_wip / (done_in_window with a start date / window_days)",
        "The average cycle time Little's law expects from average WIP and throughput, both of "
        "the items with a start date (Little 1961; Vacanti, Actionable Agile Metrics for "
        "Predictability, 2015). Blank when fewer than half the items done in the window have one.",
        "ratio",
        _FLOW,
    ),
    Measure(
        "littles_law_ratio",
        "Little's law ratio",
        "mean_cycle_time_days / littles_law_cycle_days",
        "1.0 when the flow is stable; far from 1 when WIP grew or shrank over the window, or "
        "items started before it dominate. Blank when fewer than half the items done in the "
        "window have a start date (a few items' mean against everyone's throughput).",
        "ratio",
        _FLOW,
    ),
    Measure(
        "started_in_window_pct",
        "Started in window %",
        "100 x items done in the window and started in it / items done in it with a start date",
        "Share of the finished items that were also started in the window.",
        "percent",
        _FLOW,
    ),
    Measure(
        "flow_notes",
        "Flow notes",
        "list of reasons",
        "Why a flow measure is blank or partial (no start dates, nothing done, a stale backlog).",
        "text",
        _FLOW,
    ),
)
_AGILE_RAG: tuple[Measure, ...] = (
    Measure(
        "flow_forecast_date",
        "Forecast done (85 %)",
        "backlog's report date + the [flow] rag_percentile (85 %) of the Monte Carlo finish days; "
        "with items left, never before the status date",
        "Agile: the date by which 85 % of the simulated futures finished the backlog's remaining "
        "items, from the project's own daily throughput over the window (epmo/flow.py); once "
        "nothing remains, the day the last item was done. A date that has passed while the backlog "
        "in force still has items left is the status date: they are not done yet.",
        "date",
    ),
    Measure(
        "flow_slip_days",
        "Forecast slip (agile)",
        "flow_forecast_date - baseline_end_date",
        "Agile projects are judged on it with the forecast-slip thresholds (slip_amber_days, "
        "slip_red_days) instead of the reported forecast end; Hybrid projects on both. No date "
        "with items left is Red when nothing was done in the whole window (a project older than "
        "the window) or the work would outlast the horizon (a baseline end within it); a new "
        "project with nothing done yet is not judged by its work items (flow_note says why).",
        "days",
    ),
    Measure(
        "flow_remaining_items",
        "Items left",
        "count of work items not Done (not epics or sub-tasks)",
        "What the agile forecast must finish.",
        "count",
    ),
    Measure(
        "flow_note",
        "Forecast basis",
        "text",
        "The forecast's basis or why there is none (items left, throughput a week, window).",
        "text",
    ),
)
# Portfolio roll-ups that explain a ratio of sums: the EV and AC the portfolio CPI uses
# (projects with both), so that EV / AC on a table is the CPI beside it.
_ROLLUP = "queries/health/portfolio_summary.sql"
_ROLLUP_MEASURES: tuple[Measure, ...] = (
    Measure(
        "cpi_ev",
        "EV in CPI",
        "sum of EV over the projects with both EV and AC (macros/epmo_paired_sum)",
        "The EV the portfolio CPI divides; projects without an AC are left out of it.",
        "money",
        _ROLLUP,
    ),
    Measure(
        "cpi_ac",
        "AC in CPI",
        "sum of AC over the projects with both EV and AC (macros/epmo_paired_sum)",
        "The AC the portfolio CPI divides by; projects without an EV are left out of it.",
        "money",
        _ROLLUP,
    ),
)

# Capacity measures (docs/capacity.md): hours spread over working days, per cell (period x
# row of the heatmap).
_CAPACITY = "queries/capacity/utilisation.sql"
_CAPACITY_MEASURES: tuple[Measure, ...] = (
    Measure(
        "confirmed_hours",
        "Confirmed (h)",
        "sum of demand hours with is_tentative false",
        "Confirmed demand in the cell.",
        "hours",
        _CAPACITY,
    ),
    Measure(
        "tentative_hours",
        "Tentative (h)",
        "sum of demand hours with is_tentative true",
        "Tentative (soft) demand in the cell.",
        "hours",
        _CAPACITY,
    ),
    Measure(
        "demand_hours",
        "Demand (h)",
        "confirmed + tentative, or one of them (the Demand toggle)",
        "The demand the utilisation uses.",
        "hours",
        _CAPACITY,
    ),
    Measure(
        "capacity_hours",
        "Capacity (h)",
        "sum of available hours in the cell, never below 0; blank when no capacity row covers it",
        "Supply.",
        "hours",
        _CAPACITY,
    ),
    Measure(
        "utilisation_pct",
        "Utilisation",
        "100 x demand_hours / capacity_hours; blank when capacity is missing or 0",
        "Load of the cell; coloured in the bands of [capacity] band_limits_pct.",
        "percent",
        _CAPACITY,
    ),
    Measure(
        "shortage_hours",
        "Short (h)",
        "demand_hours - capacity_hours (missing capacity = 0)",
        "Hours short (+) or spare (-).",
        "hours",
        "queries/capacity/shortage.sql",
    ),
    Measure(
        "shortage_fte",
        "Short (FTE)",
        "shortage_hours / (fte_hours_per_week / 5 x working days of the period in the horizon)",
        "People short (+) or spare (-).",
        "ratio",
        "queries/capacity/shortage.sql",
    ),
)
_MEASURES = _MEASURES + _FLOW_MEASURES + _AGILE_RAG + _ROLLUP_MEASURES + _CAPACITY_MEASURES

MEASURES: dict[str, Measure] = {m.name: m for m in _MEASURES}

# Labels of columns that are not measures but appear in tables.
LABELS = {
    "confirmed_unchanged": "Confirmed unchanged",
    "project_id": "Project",
    "project_name": "Name",
    "rag_move": "Computed RAG",
    "eac_change": "EAC change",
    "slip_change_days": "Slip change (days)",
    "as_of_date": "Report for week",
    "last_as_of_date": "Last report for week",
    "related_project_id": "Depends on",
    "need_by_date": "Needed by",
    "related_forecast_end_date": "Its forecast end",
    "dependency_status": "Status",
    "status_reason": "Why",
    "risk_score": "P x I",
    "is_overdue": "Overdue",
    "days_overdue": "Days overdue",
    "is_key": "Key",
    "change_type": "Change",
    "before_value": "Before",
    "after_value": "After",
    "change_amount": "Amount",
    "committed_at": "Committed at",
    "p50_date": "50 % done by",
    "p85_date": "85 % done by",
    "p95_date": "95 % done by",
    "remaining_items": "Items left",
    "backlog_date": "Backlog of",
    "forecast_note": "Forecast basis",
    "scope": "Scope",
    "week_end": "Week ending",
    "epic_key": "Epic",
    "epic_title": "Epic title",
}


def label(name: str) -> str:
    if name in MEASURES:
        return MEASURES[name].label
    return LABELS.get(name, name.replace("_", " ").capitalize())


def money_text(v: float) -> str:
    """Money as every page, deck and pack writes it: 36.03M, 304K, 1.3K, 950, in the
    interactive grids' own style (their "compact" format: 36M, 304K, 1.3K) with two decimals
    of millions for the headline figures. One writing: a grid read 1.3K where the deck read
    '1 k' for the same change."""
    a = abs(v)
    if a >= 999_995_000:  # from here the millions would round to "1,000.00M"
        return f"{v / 1e9:,.2f}B"
    if a >= 999_500:  # and the thousands to "1,000K"
        return f"{v / 1e6:,.2f}M"
    if a >= 9_999.5:
        return f"{v / 1e3:,.0f}K"
    if a >= 1e3:
        return f"{v / 1e3:,.1f}".removesuffix(".0") + "K"
    return f"{v:,.0f}"


def _missing(value: Any) -> bool:
    """None, NaN, NaT or pandas' NA (a blank cell of a nullable column: the portfolio's cycle
    time when no done item has a start date, which int() refused, and the pack with it)."""
    if value is None:
        return True
    try:
        return bool(value != value)
    except TypeError:  # pd.NA: its comparisons are NA
        return True


def fmt(name: str, value: Any) -> str:
    """Display a value of a measure: rounding happens here only, never in the data."""
    if _missing(value):
        return "–"
    kind = MEASURES[name].format if name in MEASURES else "text"
    if kind == "money":
        return money_text(float(value))
    if kind == "ratio":
        return f"{float(value):.2f}"
    if kind in ("days", "count"):
        return f"{int(value):,}"
    if kind == "hours":
        return f"{float(value):,.0f} h"
    if kind == "percent":
        return f"{float(value):,.0f} %"
    return str(value)


def rules_text() -> list[str]:
    """The RAG rules in force, in words (from settings)."""
    h = current().health
    return [
        f"CPI or SPI below {h.cpi_amber_below} is Amber, below {h.cpi_red_below} Red",
        f"forecast end or an open key milestone {h.slip_amber_days}+ days beyond baseline is "
        f"Amber, {h.slip_red_days}+ Red",
        f"an open risk scoring {h.overdue_risk_score}+ (probability x impact) past its due date is Amber",
        f"agile projects with work items: the {current().flow.rag_percentile} % forecast date of "
        "the remaining items against the baseline end, with the forecast-end thresholds; no date "
        f"(nothing done in {current().flow.window_days} days, or more than "
        f"{current().flow.horizon_days} days of work) is Red, and a backlog that grew faster than "
        "it was done is at least Amber (both once the project is older than the window)",
        f"judged stages: {', '.join(h.active_stages)}",
    ]


def markdown() -> str:
    lines = [
        "# Health metrics",
        "",
        "Generated from `epmo/measures.py` by `python -m epmo docs`; do not edit by hand.",
        "Each measure is computed once, in the SQL file named as its source; pages, exports and",
        "the command line read it from there. Rounding happens only for display.",
        "",
        f"Earned value formulas follow {PMBOK}. Roll-ups are ratios of sums.",
        "",
        "## Rules in force (settings.toml, section [health])",
        "",
        *[f"- {r}" for r in rules_text()],
        "",
        "## Measures",
        "",
        "| name | label | formula | description | format | source |",
        "|---|---|---|---|---|---|",
    ]
    for m in _MEASURES:
        cells = [f"`{m.name}`", m.label, m.formula, m.description, m.format, f"`{m.source}`"]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines)
