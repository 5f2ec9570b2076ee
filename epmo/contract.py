"""Data contract v2: the EPMO's template, defined once.

Everything else is rendered from this module: the CSV and XLSX templates, the data
dictionary sheet, docs/data-contract.md, the header matcher, the staging schema, the
typed store schema and the validation rules' reference tables.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pyarrow as pa

CONTRACT_VERSION = "2"  # v2 adds work_items (agile teams' own work items)

# Column types. Each maps to one parser macro in queries/macros/ and one Arrow type.
TEXT = "text"
EMAIL = "email"
DATE = "date"
NUMBER = "number"
INTEGER = "integer"
BOOLEAN = "boolean"
ENUM = "enum"
TYPES = (TEXT, EMAIL, DATE, NUMBER, INTEGER, BOOLEAN, ENUM)

RAG = ("Red", "Amber", "Green")
RAG_ALIASES = {"r": "Red", "a": "Amber", "g": "Green"}
FIBONACCI_SCALE = (1, 2, 3, 5, 8, 13, 20)


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    description: str
    example: str
    required: bool = False
    unit: str = ""
    allowed: tuple[str, ...] = ()
    aliases: dict[str, str] = field(default_factory=dict)
    minimum: float | None = None
    maximum: float | None = None
    allowed_numbers: tuple[int, ...] = ()
    synonyms: tuple[str, ...] = ()
    # what a blank cell is typed as, for a column whose blank has a meaning ("false": not
    # tentative); the duplicate-row check then compares it as that value
    blank_means: str = ""

    def allowed_text(self) -> str:
        if self.allowed:
            return ", ".join(self.allowed)
        if self.allowed_numbers:
            return ", ".join(str(n) for n in self.allowed_numbers)
        if self.minimum is not None and self.maximum is not None:
            return f"{_num(self.minimum)} to {_num(self.maximum)}"
        if self.minimum is not None:
            return f">= {_num(self.minimum)}"
        if self.type == BOOLEAN:
            return "true/false (also yes/no, y/n, 1/0)"
        return ""


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    description: str
    entity_key: str  # the column whose values a submission replaces (supersession unit)
    unique_key: tuple[str, ...]
    columns: tuple[Column, ...]
    synonyms: tuple[str, ...] = ()
    optional: bool = False

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def required_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    @property
    def identifier_columns(self) -> list[str]:
        """Text that names a thing (ids, keys, people's emails, the related project):
        normalised (NFKC, trimmed) on upload and refused with invisible characters in it."""
        return [
            c.name
            for c in self.columns
            if (c.type == TEXT and (c.name in self.unique_key or c.name == "related_project_id"))
            or c.type == EMAIL
        ]


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _c(name: str, type_: str, description: str, example: str, **kw: object) -> Column:
    return Column(name, type_, description, example, **kw)  # type: ignore[arg-type]


def _project_ref(description: str) -> Column:
    """The project_id column of a child table (milestones, RAID, allocations, financials)."""
    return _c(
        "project_id",
        TEXT,
        description,
        "PRJ-0042",
        required=True,
        synonyms=("project id", "proj ref", "project ref", "project code"),
    )


def _rag(name: str, what: str, required: bool = False) -> Column:
    w = what.lower()
    # the headers status reports use: "Schedule RAG", "RAG Schedule", "Schedule RAG status";
    # the overall one also plain "RAG" and "RAG status"
    synonyms = (f"{w} rag", f"rag {w}", f"{w} rag status") + (("rag", "rag status") if w == "overall" else ())
    return _c(
        name,
        ENUM,
        f"{what} RAG status declared by the project manager.",
        "Amber",
        required=required,
        allowed=RAG,
        aliases=RAG_ALIASES,
        synonyms=synonyms,
    )


STAGES = (
    "Idea",
    "Proposal",
    "Approved",
    "Initiation",
    "Planning",
    "Execution",
    "Closing",
    "Closed",
    "On hold",
    "Cancelled",
)
# the stages a project moves through in order (a project on hold or cancelled is in none)
LIFECYCLE = STAGES[: STAGES.index("Closed") + 1]

PROJECTS = Table(
    name="projects",
    title="Projects",
    description="One row per project: identity, stage, dates, cost to date, RAG and "
    "prioritisation inputs, as the project manager reports them this week.",
    entity_key="project_id",
    unique_key=("project_id",),
    synonyms=("project", "project list", "portfolio", "projects register"),
    columns=(
        _c(
            "project_id",
            TEXT,
            "Unique project reference issued by the EPMO.",
            "PRJ-0042",
            required=True,
            synonyms=(
                "project id",
                "proj ref",
                "project ref",
                "project code",
                "project number",
                "unique project id",
                "id",
            ),
        ),
        _c(
            "project_name",
            TEXT,
            "Short project name.",
            "Payroll replacement",
            required=True,
            synonyms=("name", "project", "project title", "title"),
        ),
        _c(
            "portfolio",
            TEXT,
            "Portfolio the project belongs to.",
            "Corporate Systems",
            required=True,
            synonyms=("portfolio name", "division"),
        ),
        _c(
            "programme",
            TEXT,
            "Programme within the portfolio, if any.",
            "HR Transformation",
            synonyms=("program", "programme name", "program name"),
        ),
        _c(
            "sponsor",
            TEXT,
            "Accountable executive sponsor.",
            "Jane Citizen",
            synonyms=("executive sponsor", "project sponsor"),
        ),
        _c(
            "project_manager",
            EMAIL,
            "Project manager's email address.",
            "alex.pm@example.org",
            required=True,
            synonyms=("pm", "pm email", "project manager email", "manager", "owner"),
        ),
        _c(
            "stage",
            ENUM,
            "Lifecycle stage.",
            "Execution",
            required=True,
            allowed=STAGES,
            synonyms=("phase", "lifecycle stage", "status stage", "project stage"),
        ),
        _c(
            "delivery_method",
            ENUM,
            "Delivery approach.",
            "Agile",
            allowed=("Waterfall", "Agile", "Hybrid"),
            synonyms=("methodology", "method"),
        ),
        _c(
            "start_date",
            DATE,
            "Project start date.",
            "2026-01-12",
            required=True,
            synonyms=("start", "planned start", "start dt"),
        ),
        _c(
            "baseline_end_date",
            DATE,
            "End date in the approved baseline.",
            "2026-12-18",
            required=True,
            synonyms=("baseline end", "baseline finish", "planned end", "baseline completion date"),
        ),
        _c(
            "forecast_end_date",
            DATE,
            "Currently forecast end date.",
            "2027-01-29",
            required=True,
            synonyms=(
                "forecast end",
                "forecast finish",
                "projected end",
                "projected completion date",
                "forecast completion date",
            ),
        ),
        _c(
            "actual_end_date",
            DATE,
            "Actual end date, once finished.",
            "",
            synonyms=("actual end", "actual finish", "actual completion date"),
        ),
        _c(
            "budget_bac",
            NUMBER,
            "Budget at completion (approved budget).",
            "1250000",
            required=True,
            unit="currency",
            minimum=0,
            synonyms=(
                "bac",
                "budget",
                "budget at completion",
                "approved budget",
                "planned cost",
                "total budget",
            ),
        ),
        _c(
            "actual_cost",
            NUMBER,
            "Actual cost, cumulative to date.",
            "480000",
            required=True,
            unit="currency",
            minimum=0,
            synonyms=("ac", "actual cost to date", "actuals", "spend to date", "acwp"),
        ),
        _c(
            "planned_value",
            NUMBER,
            "Planned value, cumulative to date.",
            "500000",
            unit="currency",
            minimum=0,
            synonyms=("pv", "bcws"),
        ),
        _c(
            "earned_value",
            NUMBER,
            "Earned value, cumulative to date.",
            "450000",
            unit="currency",
            minimum=0,
            synonyms=("ev", "bcwp"),
        ),
        _c(
            "percent_complete",
            NUMBER,
            "Physical percent complete.",
            "36",
            unit="%",
            minimum=0,
            maximum=100,
            synonyms=("% complete", "pct complete", "percent done", "progress"),
        ),
        _c(
            "forecast_eac",
            NUMBER,
            "The project manager's own estimate at completion.",
            "1310000",
            unit="currency",
            minimum=0,
            synonyms=("eac", "estimate at completion", "forecast cost", "projected cost"),
        ),
        _rag("rag_overall", "Overall", required=True),
        _rag("rag_schedule", "Schedule"),
        _rag("rag_cost", "Cost"),
        _rag("rag_scope", "Scope"),
        _rag("rag_resources", "Resources"),
        _c(
            "status_summary",
            TEXT,
            "One or two sentences on status this week.",
            "Vendor late on interface build; recovery plan agreed.",
            synonyms=("status", "comments", "commentary", "status comment", "summary"),
        ),
        _c(
            "strategic_alignment",
            NUMBER,
            "Alignment with strategy.",
            "4",
            unit="score",
            minimum=0,
            maximum=5,
            synonyms=("alignment", "strategic fit"),
        ),
        _c(
            "business_value",
            INTEGER,
            "WSJF user/business value.",
            "8",
            unit="points",
            allowed_numbers=FIBONACCI_SCALE,
            synonyms=("user business value", "value"),
        ),
        _c(
            "time_criticality",
            INTEGER,
            "WSJF time criticality.",
            "5",
            unit="points",
            allowed_numbers=FIBONACCI_SCALE,
            synonyms=("urgency",),
        ),
        _c(
            "risk_reduction",
            INTEGER,
            "WSJF risk reduction / opportunity enablement.",
            "3",
            unit="points",
            allowed_numbers=FIBONACCI_SCALE,
            synonyms=("risk reduction opportunity enablement", "rr oe"),
        ),
        _c(
            "job_size",
            NUMBER,
            "WSJF job size (relative).",
            "8",
            unit="points",
            minimum=1,
            maximum=20,
            synonyms=("size", "job duration"),
        ),
        _c(
            "reach",
            NUMBER,
            "RICE reach: people or events affected per period.",
            "2000",
            unit="count",
            minimum=0,
        ),
        _c("impact", NUMBER, "RICE impact (0.25 minimal to 3 massive).", "2", unit="score", minimum=0),
        _c("confidence", NUMBER, "RICE confidence.", "80", unit="%", minimum=0, maximum=100),
        _c(
            "effort_person_months",
            NUMBER,
            "RICE effort.",
            "18",
            unit="person-months",
            minimum=0,
            synonyms=("effort", "effort pm"),
        ),
        _c(
            "is_mandatory",
            BOOLEAN,
            "Regulatory or otherwise mandatory project.",
            "false",
            synonyms=("mandatory", "regulatory"),
        ),
    ),
)

MILESTONES = Table(
    name="milestones",
    title="Milestones",
    description="One row per milestone of a project, with its baseline and forecast dates.",
    entity_key="project_id",
    unique_key=("project_id", "milestone_id"),
    synonyms=("milestone", "key milestones", "milestone plan"),
    columns=(
        _project_ref("Project the milestone belongs to."),
        _c(
            "milestone_id",
            TEXT,
            "Milestone reference, unique within the project.",
            "M03",
            required=True,
            synonyms=("milestone id", "ms id", "milestone ref", "id"),
        ),
        _c(
            "milestone_name",
            TEXT,
            "Milestone name.",
            "Go-live",
            required=True,
            synonyms=("milestone", "name", "milestone title"),
        ),
        _c(
            "baseline_date",
            DATE,
            "Date in the approved baseline.",
            "2026-09-30",
            required=True,
            synonyms=("baseline", "baseline date", "planned date"),
        ),
        _c(
            "forecast_date",
            DATE,
            "Currently forecast date.",
            "2026-10-21",
            required=True,
            synonyms=("forecast", "forecast date"),
        ),
        _c(
            "actual_date",
            DATE,
            "Date achieved, once achieved.",
            "",
            synonyms=("actual", "actual date", "completed date"),
        ),
        _c(
            "is_key",
            BOOLEAN,
            "A key milestone reported to the steering committee.",
            "true",
            synonyms=("key", "key milestone"),
        ),
    ),
)

RAID = Table(
    name="raid",
    title="RAID log",
    description="One row per risk, assumption, issue or dependency of a project.",
    entity_key="project_id",
    unique_key=("project_id", "raid_id"),
    synonyms=("raid log", "risks", "risk register", "raid register"),
    columns=(
        _project_ref("Project the item belongs to."),
        _c(
            "raid_id",
            TEXT,
            "Item reference, unique within the project.",
            "R-007",
            required=True,
            synonyms=("raid id", "risk id", "id", "ref"),
        ),
        _c(
            "raid_type",
            ENUM,
            "Kind of item.",
            "Risk",
            required=True,
            allowed=("Risk", "Assumption", "Issue", "Dependency"),
            aliases={"r": "Risk", "a": "Assumption", "i": "Issue", "d": "Dependency"},
            synonyms=("type", "raid type", "category"),
        ),
        _c(
            "title",
            TEXT,
            "Short description.",
            "Key supplier may exit the market",
            required=True,
            synonyms=("description", "name", "summary"),
        ),
        _c(
            "probability",
            INTEGER,
            "Probability score.",
            "4",
            unit="1-5",
            minimum=1,
            maximum=5,
            synonyms=("likelihood", "prob"),
        ),
        _c(
            "impact",
            INTEGER,
            "Impact score.",
            "4",
            unit="1-5",
            minimum=1,
            maximum=5,
            synonyms=("severity", "consequence"),
        ),
        _c(
            "owner",
            TEXT,
            "Person who owns the item.",
            "sam.owner@example.org",
            synonyms=("raid owner", "responsible"),
        ),
        _c(
            "status",
            ENUM,
            "Open or closed.",
            "Open",
            required=True,
            allowed=("Open", "Closed"),
            synonyms=("state", "raid status"),
        ),
        _c("raised_date", DATE, "Date raised.", "2026-03-02", synonyms=("raised", "date raised", "opened")),
        _c(
            "due_date",
            DATE,
            "Date by which the item must be resolved or reviewed.",
            "2026-06-30",
            synonyms=("due", "target date", "review date"),
        ),
        _c(
            "related_project_id",
            TEXT,
            "For dependencies: the project depended upon.",
            "PRJ-0017",
            synonyms=("related project", "depends on", "dependent project"),
        ),
        _c(
            "need_by_date",
            DATE,
            "For dependencies: when the other project must deliver.",
            "2026-08-31",
            synonyms=("need by", "needed by"),
        ),
    ),
)

ALLOCATIONS = Table(
    name="allocations",
    title="Allocations (demand)",
    description="One row per project, role (and optionally person) and period: the hours the project needs.",
    entity_key="project_id",
    unique_key=("project_id", "role", "team", "resource_name", "period_start", "is_tentative"),
    synonyms=("allocation", "demand", "resource demand", "resourcing", "resource plan"),
    columns=(
        _project_ref("Project that needs the hours."),
        _c(
            "role",
            TEXT,
            "Role needed.",
            "Business Analyst",
            required=True,
            synonyms=("resource role", "skill", "job role"),
        ),
        _c(
            "team",
            TEXT,
            "Team expected to supply the role.",
            "Digital Delivery",
            synonyms=("resource team", "department"),
        ),
        _c(
            "resource_name",
            TEXT,
            "Named person, when known.",
            "Priya Patel",
            synonyms=("resource", "person", "name", "resource name"),
        ),
        _c(
            "period_start",
            DATE,
            "Start of the period: a Monday (week) or the 1st (month).",
            "2026-04-06",
            required=True,
            synonyms=("period", "week", "month", "week start", "week commencing"),
        ),
        _c(
            "hours",
            NUMBER,
            "Hours needed in the period.",
            "22.5",
            required=True,
            unit="hours",
            minimum=0,
            maximum=1_000_000,  # a typo's bound (1e9 hours a week was accepted in silence)
            synonyms=("demand hours", "effort hours", "hrs"),
        ),
        _c(
            "is_tentative",
            BOOLEAN,
            "Tentative (not yet confirmed) demand. Blank means false: confirmed.",
            "false",
            synonyms=("tentative", "soft booking"),
            blank_means="false",
        ),
    ),
)

CAPACITY = Table(
    name="capacity",
    title="Capacity (supply)",
    description="One row per team, role (and optionally person) and period: the hours "
    "available to projects. Kept by resource managers.",
    entity_key="team",
    unique_key=("team", "role", "resource_name", "period_start"),
    synonyms=("supply", "resource capacity", "availability"),
    columns=(
        _c(
            "team",
            TEXT,
            "Team supplying the hours.",
            "Digital Delivery",
            required=True,
            synonyms=("resource team", "department"),
        ),
        _c(
            "role",
            TEXT,
            "Role supplied.",
            "Business Analyst",
            required=True,
            synonyms=("resource role", "skill", "job role"),
        ),
        _c(
            "resource_name",
            TEXT,
            "Named person, when capacity is kept per person.",
            "Priya Patel",
            synonyms=("resource", "person", "name"),
        ),
        _c(
            "period_start",
            DATE,
            "Start of the period: a Monday (week) or the 1st (month).",
            "2026-04-06",
            required=True,
            synonyms=("period", "week", "month", "week start"),
        ),
        _c(
            "available_hours",
            NUMBER,
            "Hours available to projects in the period.",
            "30",
            required=True,
            unit="hours",
            minimum=0,
            maximum=1_000_000,
            synonyms=("capacity", "capacity hours", "available", "hours"),
        ),
    ),
)

FINANCIALS = Table(
    name="financials",
    title="Financials (time-phased)",
    description="Optional. One row per project and period: planned, actual and forecast "
    "cost in that period (not cumulative).",
    entity_key="project_id",
    unique_key=("project_id", "period_start"),
    synonyms=("finance", "financial", "cost plan", "time phased financials"),
    optional=True,
    columns=(
        _project_ref("Project."),
        _c(
            "period_start",
            DATE,
            "Start of the period (the 1st of the month).",
            "2026-04-01",
            required=True,
            synonyms=("period", "month"),
        ),
        _c(
            "planned_cost",
            NUMBER,
            "Planned cost in the period.",
            "100000",
            unit="currency",
            minimum=0,
            synonyms=("planned", "budget", "pv"),
        ),
        _c(
            "actual_cost",
            NUMBER,
            "Actual cost in the period.",
            "96000",
            unit="currency",
            minimum=0,
            synonyms=("actual", "actuals", "ac"),
        ),
        _c(
            "forecast_cost",
            NUMBER,
            "Forecast cost in the period.",
            "98000",
            unit="currency",
            minimum=0,
            synonyms=("forecast",),
        ),
    ),
)

STATUS_CATEGORIES = ("To Do", "In Progress", "Done")

WORK_ITEMS = Table(
    name="work_items",
    title="Work items (agile)",
    description="Optional. One row per work item (epic, story, bug, task...) of an agile or "
    "hybrid project: the team's current backlog, as exported from its tool (Jira...). Each "
    "upload replaces the project's backlog. Flow metrics and forecasts: docs/flow.md.",
    entity_key="project_id",
    unique_key=("project_id", "item_key"),
    synonyms=("work item", "backlog", "issues", "jira", "stories"),
    optional=True,
    columns=(
        _project_ref("Project the item belongs to (the EPMO project id, not the Jira key)."),
        _c(
            "item_key",
            TEXT,
            "The item's key in the team's tool, unique within the project.",
            "PAY-123",
            required=True,
            synonyms=("issue key", "key", "item id", "work item id", "issue id", "id"),
        ),
        _c(
            "item_type",
            TEXT,
            "Kind of item: Epic, Story, Bug, Task, Sub-task...",
            "Story",
            synonyms=("issue type", "type", "work item type"),
        ),
        _c(
            "title",
            TEXT,
            "Short description.",
            "Pay slip shows year-to-date tax",
            required=True,
            synonyms=("summary", "name", "item title"),
        ),
        _c(
            "parent_key",
            TEXT,
            "Key of the parent item or epic, if any.",
            "PAY-100",
            synonyms=("parent", "epic link", "epic", "parent key", "epic key"),
        ),
        _c(
            "team",
            TEXT,
            "Team working the item.",
            "Payments squad",
            synonyms=("squad", "scrum team", "agile team"),
        ),
        _c(
            "status",
            TEXT,
            "The item's status in the team's workflow.",
            "In Review",
            required=True,
            synonyms=("state", "workflow status", "issue status"),
        ),
        _c(
            "status_category",
            ENUM,
            "The status's category: not started, started, finished.",
            "In Progress",
            required=True,
            allowed=STATUS_CATEGORIES,
            aliases={
                "todo": "To Do",
                "new": "To Do",
                "backlog": "To Do",
                "open": "To Do",
                "inprogress": "In Progress",
                "indeterminate": "In Progress",
                "doing": "In Progress",
                "started": "In Progress",
                "complete": "Done",
                "completed": "Done",
                "closed": "Done",
                "resolved": "Done",
                "finished": "Done",
            },
            synonyms=("status category", "category"),
        ),
        _c(
            "created_date",
            DATE,
            "Date the item was created (arrived in the backlog).",
            "2026-03-02",
            synonyms=("created", "date created", "creation date", "arrival date"),
        ),
        _c(
            "started_date",
            DATE,
            "Date work started: the item first entered a started status of the workflow.",
            "2026-03-16",
            synonyms=("started", "start date", "date started", "in progress date", "committed date"),
        ),
        _c(
            "done_date",
            DATE,
            "Date the item was done: it entered a done status (Jira: Resolved).",
            "2026-03-24",
            synonyms=("done", "resolved", "resolution date", "completed date", "date done", "closed date"),
        ),
        _c(
            "story_points",
            NUMBER,
            "Estimate in story points.",
            "3",
            unit="points",
            minimum=0,
            synonyms=("story points", "points", "story point estimate", "estimate"),
        ),
        _c(
            "sprints",
            TEXT,
            "Sprint(s) the item was in, separated by '; ' (carried over when more than one).",
            "Sprint 7; Sprint 8",
            synonyms=("sprint", "iteration", "sprint s"),
        ),
    ),
)

TABLES: tuple[Table, ...] = (PROJECTS, MILESTONES, RAID, ALLOCATIONS, CAPACITY, FINANCIALS, WORK_ITEMS)
TABLE_NAMES: tuple[str, ...] = tuple(t.name for t in TABLES)
BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}


def table(name: str) -> Table:
    """The contract table called `name` (the allow-list of table identifiers)."""
    try:
        return BY_NAME[name]
    except KeyError:
        raise KeyError(f"not a contract table: {name!r}") from None


_NON_ALNUM = re.compile(r"[^0-9a-z%]+")


def normalise_header(text: str) -> str:
    """Lower-case, drop the required marker and punctuation, fold runs of spaces.

    "Project ID*", "project_id", " PROJECT-ID " all give "project id".
    """
    s = str(text).strip().lower().replace("*", " ")
    s = _NON_ALNUM.sub(" ", s)
    return " ".join(s.split())


def header_index(tbl: Table) -> dict[str, str]:
    """Normalised header or synonym -> contract column name, for one table."""
    index: dict[str, str] = {}
    for c in tbl.columns:
        index.setdefault(normalise_header(c.name), c.name)
    for c in tbl.columns:
        for syn in c.synonyms:
            index.setdefault(normalise_header(syn), c.name)
    return index


def normalise_value_key(text: str) -> str:
    """Key used to match enum values: case, spaces and punctuation ignored."""
    return "".join(ch for ch in str(text).lower() if ch.isalnum())


def enum_lookup(col: Column) -> dict[str, str]:
    """Accepted spellings (normalised) -> canonical value, for an enum column."""
    out = {normalise_value_key(v): v for v in col.allowed}
    out.update({normalise_value_key(k): v for k, v in col.aliases.items()})
    return out


def reference_tables() -> dict[str, pa.Table]:
    """The contract as reference tables for the check queries."""
    cols, scales, enums = [], [], []
    for t in TABLES:
        for c in t.columns:
            cols.append(
                {
                    "table_name": t.name,
                    "column_name": c.name,
                    "type": c.type,
                    "is_required": c.required,
                    "minimum": c.minimum,
                    "maximum": c.maximum,
                    "has_scale": bool(c.allowed_numbers),
                    "is_identifier": c.name in t.identifier_columns,
                    "allowed_text": c.allowed_text(),
                    "example": c.example,  # the template's example row (checks/template_example_row)
                }
            )
            scales += [{"table_name": t.name, "column_name": c.name, "n": n} for n in c.allowed_numbers]
            if c.type == ENUM:
                enums += [
                    {"table_name": t.name, "column_name": c.name, "value_key": k, "canonical": v}
                    for k, v in enum_lookup(c).items()
                ]
    order = [
        {"table_name": t.name, "column_name": c.name, "value": v, "ordinal": i}
        for t in TABLES
        for c in t.columns
        for i, v in enumerate(c.allowed)
    ]
    return {
        "enum_order": pa.Table.from_pylist(order),
        "contract_columns": pa.Table.from_pylist(cols),
        "contract_scales": pa.Table.from_pylist(
            scales,
            schema=pa.schema([("table_name", pa.string()), ("column_name", pa.string()), ("n", pa.int64())]),
        ),
        "enum_values": pa.Table.from_pylist(enums),
    }
