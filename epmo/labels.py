"""What a person reads instead of a column name or a raw value, defined once.

Tables and charts (app_pages/_shared.py, epmo/charts.py, the pack and the decks) label
their columns with `label(name)` and show values with `text(name, value)`; downloads keep
the machine names (CSV, XLSX) so that they can be read back. A measure's label comes from
the measure registry (epmo/measures.py); every other column a query returns has its label
here, and tests/unit/test_labels.py fails when a query returns a column without one.
Ids sort as a person reads them: `natural_key` (PRJ-2 before PRJ-10), the same rule as the
SQL macro epmo_natural_key.
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import json
import math
import re
from collections.abc import Iterable
from typing import Any

import pandas as pd

from epmo import measures

LABELS: dict[str, str] = {
    "sha256": "SHA-256",
    # projects and their reports
    "portfolio": "Portfolio",
    "programme": "Programme",
    "sponsor": "Sponsor",
    "project_manager": "Project manager",
    "stage": "Stage",
    "stage_order": "Stage order",
    "delivery_method": "Delivery",
    "start_date": "Start",
    "baseline_end_date": "Baseline end",
    "forecast_end_date": "Forecast end",
    "actual_end_date": "Actual end",
    "status_summary": "Status summary",
    "week_date": "Week",
    "is_active": "Expected to report",
    "is_dateless": "No forecast date",
    "rag_overall": "Declared RAG",
    "rag_schedule": "Schedule RAG",
    "rag_cost": "Cost RAG",
    "rag_scope": "Scope RAG",
    "rag_resources": "Resources RAG",
    "rag": "RAG",
    "rag_before": "RAG before",
    "rag_after": "RAG after",
    "rag_change": "RAG change",
    "related_rag_computed": "Its computed RAG",
    "related_portfolio": "Its portfolio",
    "related_project_name": "Its name",
    "depends_on_project_id": "Depends on",
    # the headline and roll-ups
    "project_count": "Projects",
    "expected_count": "Expected to report",
    "reporting_count": "Reported this week",
    "stale_count": "Missing reports",
    # submissions by project manager (epmo/health.py by_manager)
    "on_time_count": "On time",
    "late_count": "Late",
    "missing_count": "Missing",
    "max_weeks_stale": "Longest gap (weeks)",
    "blank_field_count": "Blank fields",
    "unchanged_count": "Unchanged too long",
    "not_expected_count": "Not expected to report",
    "not_judged_count": "Not judged",
    "not_judged_stage_count": "Not judged (stage)",
    "declared_red_count": "Red (declared)",
    "declared_amber_count": "Amber (declared)",
    "declared_green_count": "Green (declared)",
    "computed_red_count": "Red (computed)",
    "computed_amber_count": "Amber (computed)",
    "computed_green_count": "Green (computed)",
    "red_count": "Red",
    "amber_count": "Amber",
    "green_count": "Green",
    "watermelon_count": "Watermelons",
    "total_bac": "BAC",
    "total_ac": "AC",
    "total_eac": "EAC",
    "group_name": "Group",
    "dimension": "Dimension",
    "dimension_order": "Dimension order",
    "field": "Field",
    # milestones, RAID, money by month
    "milestone_id": "Milestone id",
    "milestone_name": "Milestone",
    "baseline_date": "Baseline",
    "forecast_date": "Forecast",
    "actual_date": "Achieved",
    "is_achieved": "Achieved",
    "report_date": "Reported for week",
    "raid_id": "Item",
    "raid_type": "Type",
    "title": "Title",
    "owner": "Owner",
    "status": "Status",
    "raised_date": "Raised",
    "due_date": "Due",
    "probability": "Probability",
    "impact": "Impact",
    "risk_count": "Risks",
    "month_date": "Month",
    "planned_cost": "Planned cost",
    "actual_cost": "Actual cost",
    "forecast_cost": "Forecast cost",
    "planned_cumulative": "Planned (cumulative)",
    "actual_cumulative": "Actual (cumulative)",
    "forecast_cumulative": "Forecast (cumulative)",
    "budget_bac_total": "BAC",
    # capacity
    "role": "Role",
    "team": "Team",
    "resource_name": "Person",
    "period_start": "Period",
    "band": "Band",
    "band_index": "Band order",
    "has_capacity": "Has capacity",
    "share_pct": "Share of the cell",
    "first_date": "From",
    "last_date": "To",
    "top_projects": "Projects driving it",
    # flow (agile work items)
    "day": "Day",
    "status_category": "Status category",
    "item_key": "Item",
    "item_type": "Type",
    "started_date": "Started",
    "done_date": "Done",
    "last_done_date": "Last done",
    "done_offsets": "Done offsets (days)",
    "window_days": "Window (days)",
    "upload_id": "Upload",
    # prioritisation inputs (contract columns)
    "budget_bac": "BAC",
    "earned_value": "EV (reported)",
    "planned_value": "PV (reported)",
    "percent_complete": "% complete",
    "forecast_eac": "EAC (PM)",
    "remaining_cost": "Remaining cost",
    "eac_source": "EAC source",
    "business_value": "Business value",
    "strategic_alignment": "Strategic alignment",
    "time_criticality": "Time criticality",
    "risk_reduction": "Risk reduction",
    "job_size": "Job size",
    "reach": "Reach",
    "confidence": "Confidence",
    "effort_person_months": "Effort (person-months)",
    "is_mandatory": "Mandatory",
    "is_current": "In flight",
    # access, audit and weekly reminders
    "email": "Email",
    "portfolios": "Portfolios",
    "teams": "Teams",
    "granted_at": "Granted",
    "granted_by": "Granted by",
    "revoked_at": "Revoked",
    "revoked_by": "Revoked by",
    "event_at": "When",
    "event": "Change",
    "by_email": "By",
    "via": "Via",
    "note": "Note",
    "actor": "Who",
    "action": "Action",
    "target": "Target",
    "detail": "Detail",
    "is_reassigned": "Reassigned",
    "mailto": "Email",
    "projects_missing": "Not reported",
    "project_ids": "Projects",
    "project_names": "Project names",
    "oldest_report": "Oldest last report",
    "table_name": "Table",
    "reported_week": "Reported for",
    # validation issues and rules (Upload, Mapper)
    "severity": "Severity",
    "file": "File",
    "sheet": "Sheet",
    "row": "Row",
    "column": "Column",
    "cell": "Cell",
    "value": "Value",
    "problem": "Problem",
    "rule": "Rule",
    "checks": "Checks",
    # the Explorer's schema, decisions, saved models
    "object_group": "Group",
    "column_name": "Column",
    "data_type": "Type",
    "decision_date": "Decided",
    "decision": "Decision",
    "rationale": "Rationale",
    "based_on_as_of_date": "Based on the week of",
    "name": "Name",
    "version": "Version",
    "saved_at": "Saved",
    "saved_by": "Saved by",
    "spec": "Definition",
    # prioritisation: ranking, selection and its frontier (epmo/priority)
    "moscow": "MoSCoW",
    "basis": "Cost of a project",
    "constraint": "Constraint",
    "is_binding": "Binds",
    "is_feasible": "Feasible",
}

# Columns holding money that are not measures (totals, changes, cost lines): shown in the
# portfolio's money format (measures.fmt "money": 1.23 M, 300 k, -3,800 -> -4 k).
MONEY: frozenset[str] = frozenset(
    {
        "total_bac",
        "total_ac",
        "total_eac",
        "budget_bac",
        "budget_bac_total",
        "earned_value",
        "planned_value",
        "forecast_eac",
        "remaining_cost",
        "planned_cost",
        "actual_cost",
        "forecast_cost",
        "planned_cumulative",
        "actual_cumulative",
        "forecast_cumulative",
        "eac_change",
        "bac_change",
    }
)

# Columns whose values are codes of ours, and the words a person reads for each code.
VALUE_LABELS: dict[str, dict[str, str]] = {
    # health/changes.sql (its header lists every change_type)
    "change_type": {
        "new_project": "New project",
        "left_portfolio": "Left the portfolio",
        "stopped_reporting": "Stopped reporting",
        "rag_declared": "Declared RAG",
        "rag_computed": "Computed RAG",
        "forecast_end": "Forecast end",
        "stage": "Stage",
        "milestone": "Milestone",
        "milestone_added": "Milestone added",
        "milestone_removed": "Milestone removed",
        "milestone_achieved": "Milestone achieved",
        "budget": "Budget (BAC)",
        "eac": "EAC",
        "risk_opened": "Risk opened",
        "risk_closed": "Risk closed",
    },
    # the contract's tables as a person reads them (the Tables page, My projects); the SQL
    # explorer, exports and downloads keep the table's name
    "table_name": {
        "projects": "Projects",
        "milestones": "Milestones",
        "raid": "RAID",
        "allocations": "Allocations (demand)",
        "capacity": "Capacity (supply)",
        "financials": "Financials",
        "work_items": "Work items",
    },
    # the changed field of a project's own change in health/changes.sql; a milestone's or a
    # risk's change names the milestone or the risk instead (its own text, shown as it is)
    "field": {
        "project": "Project",
        "as_of_date": "Week reported",
        "rag_overall": "Declared RAG",
        "rag_computed": "Computed RAG",
        "forecast_end_date": "Forecast end",
        "budget_bac": "BAC",
        "eac": "EAC",
    },
    # a scoring model's type and its criteria (epmo/priority/models.py TYPES, DIRECTIONS,
    # NORMALISATIONS; the Scoring models page)
    "model_type": {"weighted": "Weighted criteria", "wsjf": "WSJF", "rice": "RICE"},
    "direction": {"higher": "Higher values", "lower": "Lower values"},
    "normalisation": {"none": "None (values as reported)", "minmax": "Min–max (0 to 1)"},
    # what a project costs in a portfolio selection (epmo/priority BASES)
    "basis": {"bac": "Budget at completion (BAC)", "remaining": "Remaining cost (EAC − AC)"},
    # a selection's constraints (epmo/priority/optimise.py _rows: their kinds, and the budget's
    # name; a capacity or dependency constraint's name says which role or projects)
    "kind": {"budget": "Budget", "capacity": "Capacity", "dependency": "Dependency"},
    "constraint": {"budget": "Budget"},
    # health/submission_status.sql, health/dependencies.sql, the audit trail's channel
    "submission_status": {
        "on time": "On time",
        "late": "Late",
        "missing": "Missing",
        "not expected": "Not expected",
    },
    "dependency_status": {"late": "Late", "at risk": "At risk", "on track": "On track"},
    "via": {"app": "App", "cli": "Command line", "library": "Library"},
}

# health/changes.sql: what its Before, After and Amount hold for each kind of change (the
# query's header says the same). Before and After are text in the query (ISO dates, money
# as 300100.0); on screen they read as the app's dates and money, and the amount carries its
# unit ("+15 days", "+3.8K", "2 steps worse"). Downloads keep the query's values.
CHANGE_DATES: frozenset[str] = frozenset(
    {
        "forecast_end",
        "milestone",
        "milestone_added",
        "milestone_removed",
        "milestone_achieved",
        "stopped_reporting",
    }
)
CHANGE_MONEY: frozenset[str] = frozenset({"budget", "eac"})
CHANGE_RAG: frozenset[str] = frozenset({"rag_declared", "rag_computed"})
_CHANGE_COLUMNS = {"change_type", "before_value", "after_value"}

# Columns holding a JSON object of ours (the audit trail's detail, epmo/audit.py): on screen
# its pairs in words, "File name: x.xlsx · Row counts: projects 5, raid 2"; downloads keep
# the JSON.
JSON_OBJECTS: frozenset[str] = frozenset({"detail"})

_WORDS = {"id": "ID", "rag": "RAG", "bac": "BAC", "eac": "EAC", "ac": "AC", "ev": "EV", "pv": "PV"}


def has_label(name: str) -> bool:
    """True when the column has a label of its own (a measure, or one of LABELS)."""
    return name in measures.MEASURES or name in measures.LABELS or name in LABELS


def label(name: str) -> str:
    """The label a person reads for a column: the measure's, else LABELS', else the name in
    words (never snake_case)."""
    if name in measures.MEASURES:
        return measures.MEASURES[name].label
    if name in measures.LABELS:
        return measures.LABELS[name]
    if name in LABELS:
        return LABELS[name]
    words = [_WORDS.get(w, w) for w in str(name).split("_") if w]
    text = " ".join(words)
    return text[:1].upper() + text[1:] if text else str(name)


def is_blank(value: Any) -> bool:
    if value is None or value is pd.NaT:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    try:
        return bool(pd.isna(value)) if not isinstance(value, (list, tuple, dict)) else False
    except (TypeError, ValueError):
        return False


@functools.cache
def _columns() -> frozenset[str]:
    """Every contract column's name (a field that is one reads as its label)."""
    from epmo import contract

    return frozenset(c.name for t in contract.TABLES for c in t.columns)


def text(name: str, value: Any) -> str:
    """A value as a person reads it: blank for missing (never None or nan), a code of ours in
    words (VALUE_LABELS), money in the portfolio's format, whole numbers without '.0', dates
    as 20 Nov 2026."""
    if is_blank(value):
        return ""
    if name == "field" and isinstance(value, str) and value not in VALUE_LABELS[name] and value in _columns():
        return label(value)  # a contract column (the Upload page's changes), in words
    if name in VALUE_LABELS and isinstance(value, str):
        return VALUE_LABELS[name].get(value, value)
    if name in JSON_OBJECTS and isinstance(value, str):
        return json_text(value)
    if name in measures.MEASURES:
        return measures.fmt(name, value)
    if name in MONEY and isinstance(value, (int, float)) and not isinstance(value, bool):
        return money(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        return moment(value) if str(name).endswith("_at") else f"{value:%d %b %Y}"
    if isinstance(value, dt.date):
        return f"{value:%d %b %Y}"
    if isinstance(value, float):
        return f"{value:,.0f}" if value.is_integer() or abs(value) >= 100 else f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def json_text(value: str) -> str:
    """A JSON object as "Key: value" pairs (keys labelled, a nested object or list inline),
    plain text; anything that is not a JSON object is returned as it is."""
    try:
        data = json.loads(value)
    except ValueError:
        return value
    return _pairs(data) if isinstance(data, dict) and data else value


def _pairs(data: dict[str, Any]) -> str:
    return " · ".join(f"{label(str(k))}: {_inline(v)}" for k, v in data.items())


def _inline(value: Any) -> str:
    if isinstance(value, str) and value[:1] in "{[":
        try:
            value = json.loads(value)  # a JSON text inside the object (row_counts)
        except ValueError:
            return value
    if isinstance(value, dict):
        return ", ".join(f"{k} {_inline(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_inline(v) for v in value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str) and _ISO_DAY.fullmatch(value):  # a day as the app writes days
        try:
            return f"{dt.date.fromisoformat(value):%d %b %Y}"
        except ValueError:
            return value
    return str(value)


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def moment(value: Any) -> str:
    """A moment (a column ending in _at: committed_at, event_at) as "30 Nov 2026 13:45 UTC";
    the store keeps moments in UTC, so one without a time zone is read as UTC."""
    if is_blank(value):
        return ""
    t = pd.Timestamp(value)
    t = t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC")
    return f"{t:%d %b %Y %H:%M} UTC"


def count(n: int, noun: str, plural: str | None = None) -> str:
    """A count with its noun in the right number: "1 project", "3 projects", "0 projects"."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


def significant(value: Any, digits: int = 4) -> str:
    """A number to `digits` significant digits, written out (a total score: 0.7026, 4.65,
    58, 620,000; never "6.2e+05"). "" for none. The charts' twin is d3's ",.4~r"."""
    if is_blank(value) or not math.isfinite(float(value)):
        return ""
    # half up, as d3 (1,234.5 -> 1,235), on the decimal the float prints as
    with decimal.localcontext() as ctx:
        ctx.prec, ctx.rounding = digits, decimal.ROUND_HALF_UP
        r = +decimal.Decimal(repr(float(value)))
    if r == 0:
        return "0"
    text = f"{r:,f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def money(value: Any) -> str:
    """An amount in the portfolio's money format (the same as the money measures)."""
    return "" if is_blank(value) else measures.fmt("bac", float(value))


def display_frame(frame: pd.DataFrame, columns: Iterable[str] | None = None) -> pd.DataFrame:
    """A frame for reading (the pack, decks, static tables): labelled columns, text values."""
    cols = list(columns) if columns is not None else list(frame.columns)
    frame = changes_text(frame)
    return pd.DataFrame({label(c): [text(c, v) for v in frame[c].tolist()] for c in cols})


_RUNS = re.compile(r"\d+|\D+")


def natural_key(value: Any) -> tuple[tuple[int, Any], ...]:
    """Sort key for ids: digit runs compare as numbers, the rest as lower-case text."""
    return tuple((0, int(p)) if p.isdigit() else (1, p.lower()) for p in _RUNS.findall(str(value)))


def natural_sorted(values: Iterable[Any]) -> list[Any]:
    return sorted(values, key=natural_key)


def is_changes(frame: pd.DataFrame) -> bool:
    """True for a frame of health/changes rows (its change_type, before and after columns)."""
    return _CHANGE_COLUMNS <= set(frame.columns)


def changes_text(frame: pd.DataFrame) -> pd.DataFrame:
    """health/changes rows as a person reads them: Before and After in the app's date and
    money formats (a computed RAG that is not judged says so), Amount with its unit, and the
    Field only where it names what changed beyond the kind of change (a milestone, a risk,
    the week reported), not "Computed RAG" again beside "Computed RAG"."""
    if not is_changes(frame):
        return frame
    out = frame.copy()
    kinds = [str(k) for k in out["change_type"].tolist()]
    for col in ("before_value", "after_value"):
        out[col] = [_change_value(k, v) for k, v in zip(kinds, out[col].tolist(), strict=True)]
    # a project that stopped reporting: its last report, said as such ("13 Nov 2026" on both
    # sides read as nothing changed)
    out["after_value"] = [
        f"nothing since {v}" if k == "stopped_reporting" and v else v
        for k, v in zip(kinds, out["after_value"].tolist(), strict=True)
    ]
    if "change_amount" in out.columns:
        out["change_amount"] = [
            _change_amount(k, v) for k, v in zip(kinds, out["change_amount"].tolist(), strict=True)
        ]
    if "field" in out.columns:
        out["field"] = [_change_field(k, v) for k, v in zip(kinds, out["field"].tolist(), strict=True)]
    return out


def _change_value(kind: str, value: Any) -> str:
    if is_blank(value):
        return "not judged" if kind == "rag_computed" else ""
    if kind in CHANGE_DATES:
        try:
            return text("date", dt.date.fromisoformat(str(value)))
        except ValueError:
            return str(value)
    if kind in CHANGE_MONEY:
        try:
            return money(float(value))
        except ValueError:
            return str(value)
    return str(value)


def _change_amount(kind: str, value: Any) -> str:
    if is_blank(value):
        return ""
    amount = float(value)
    sign = "+" if amount > 0 else "-" if amount < 0 else ""
    if kind in CHANGE_DATES:
        days = abs(int(round(amount)))
        return f"{sign}{count(days, 'day')}"
    if kind in CHANGE_MONEY:
        return f"{sign}{money(abs(amount))}"
    if kind in CHANGE_RAG:
        steps = abs(int(round(amount)))
        return f"{count(steps, 'step')} {'worse' if amount > 0 else 'better'}" if steps else ""
    return text("change_amount", amount)


def _change_field(kind: str, value: Any) -> str:
    if is_blank(value):
        return ""
    field = str(value)
    if (
        kind in ("risk_opened", "risk_closed")
        or kind.startswith("milestone")
        or field not in VALUE_LABELS["field"]
    ):
        return field  # a milestone's or a risk's own name
    words, change = text("field", field).lower(), text("change_type", kind).lower()
    return "" if words in change or change in words else text("field", field)
