"""Microsoft Project XML (MSPDI) -> the contract's projects and milestones sheets.

`read_mspdi` runs in the parse child under OS limits (epmo/readers.read_upload sends XML
here, and epmo/isolate.read_upload runs that in the child), and returns RawSheets with the
contract's own headers, so the plan then goes through the ordinary path: a mapping (the
shipped `msproject` one supplies what a plan does not hold: portfolio, the project
manager's email, a RAG), staging, the checks, the commit.

What is read (see ../shared/reference-data/foreign/SOURCES.md for the files' quirks):
- the project: the outline-level-0 task (UID 0 in MS Project, UID 1 in ProjectLibre) else
  the <Project> header: start, finish, baseline finish and cost (Baseline 0), cost,
  actual cost, % complete, BCWS/BCWP (planned and earned value) where the file has them
  (all zero means "not computed": left blank, not 0);
- milestones: tasks marked Milestone, or of zero duration (ProjectLibre writes Milestone 0
  on every task), not summaries: baseline (Baseline 0) and forecast finish, actual finish,
  key when critical or at the top outline level.

XML is parsed with expat, streaming, and refused when it declares a DOCTYPE or an entity
(no external entities, no entity expansion: "billion laughs"); a whole file on one line,
Windows-1252 and UTF-16 are read as declared.
"""

from __future__ import annotations

import re
import xml.parsers.expat
from dataclasses import dataclass, field
from pathlib import PurePosixPath

import pyarrow as pa

from epmo.readers import RawSheet, _reject
from epmo.report import RejectedFile

NAMESPACE = "http://schemas.microsoft.com/project"
_DURATION = re.compile(r"^-?PT(\d+(?:\.\d+)?)H(\d+(?:\.\d+)?)M(\d+(?:\.\d+)?)S$")
PROJECT_FIELDS = (
    "project_id",
    "project_name",
    "project_manager",
    "stage",
    "start_date",
    "baseline_end_date",
    "forecast_end_date",
    "actual_end_date",
    "budget_bac",
    "actual_cost",
    "planned_value",
    "earned_value",
    "percent_complete",
    "forecast_eac",
)
MILESTONE_FIELDS = (
    "project_id",
    "milestone_id",
    "milestone_name",
    "baseline_date",
    "forecast_date",
    "actual_date",
    "is_key",
)


@dataclass
class _Task:
    fields: dict[str, str] = field(default_factory=dict)
    baseline: dict[str, str] = field(default_factory=dict)  # Baseline Number 0


class _Parser:
    """Collects the <Project> header fields and each task's leaf fields and Baseline 0."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.path: list[str] = []
        self.text: list[str] = []
        self.header: dict[str, str] = {}
        self.tasks: list[_Task] = []
        self.baseline: dict[str, str] | None = None
        self.root = ""

    def start(self, name: str, _attrs: dict[str, str]) -> None:
        local = name.rpartition(" ")[2]
        if not self.path:
            self.root = local
        self.path.append(local)
        self.text = []
        if self.path[-2:] == ["Tasks", "Task"] and len(self.path) == 3:
            self.tasks.append(_Task())
        elif local == "Baseline" and len(self.path) == 4 and self.path[1] == "Tasks":
            self.baseline = {}

    def end(self, _name: str) -> None:
        local = self.path.pop()
        value = "".join(self.text).strip()
        self.text = []
        depth = len(self.path)
        if depth == 1:
            self.header.setdefault(local, value)
        elif local == "Baseline" and depth == 3 and self.baseline is not None and self.tasks:
            if self.baseline.get("Number", "0") == "0":
                self.tasks[-1].baseline = self.baseline
            self.baseline = None
        elif depth == 3 and self.path[1] == "Tasks" and self.tasks:
            self.tasks[-1].fields.setdefault(local, value)
        elif depth == 4 and self.path[3] == "Baseline" and self.baseline is not None:
            self.baseline[local] = value

    def chars(self, data: str) -> None:
        self.text.append(data)


def _refuse_dtd(*_args: object) -> int:
    raise _DtdFound


class _DtdFound(Exception):
    pass


def parse(file: str, data: bytes) -> _Parser:
    """The plan's fields, or RejectedFile with the reason."""
    p = _Parser(file)
    expat = xml.parsers.expat.ParserCreate(namespace_separator=" ")
    expat.SetParamEntityParsing(xml.parsers.expat.XML_PARAM_ENTITY_PARSING_NEVER)
    expat.StartDoctypeDeclHandler = _refuse_dtd
    expat.EntityDeclHandler = _refuse_dtd
    expat.ExternalEntityRefHandler = _refuse_dtd
    expat.StartElementHandler = p.start
    expat.EndElementHandler = p.end
    expat.CharacterDataHandler = p.chars
    expat.buffer_text = True
    try:
        expat.Parse(data, True)
    except _DtdFound:
        raise _reject(
            file,
            "xml_dtd",
            "The XML declares a DOCTYPE or entities, which an MS Project XML file never needs "
            "(and which can expand without limit); it was not read. Save the plan again from "
            "MS Project or ProjectLibre as XML.",
        ) from None
    except (xml.parsers.expat.ExpatError, ValueError, LookupError) as exc:
        raise _reject(
            file,
            "unreadable_xml",
            f"The XML could not be read ({str(exc)[:120]}). Save the plan again as XML "
            "(MS Project: File > Save As > XML Format).",
        ) from None
    if p.root != "Project":
        raise _reject(
            file,
            "not_mspdi",
            f"This XML file's root element is <{p.root[:40]}>, not MS Project's <Project>. Upload a "
            "Microsoft Project XML file (File > Save As > XML Format), or the weekly extract as CSV or XLSX.",
        )
    return p


def _date(value: str) -> str:
    return value[:10] if re.match(r"^\d{4}-\d{2}-\d{2}", value or "") else ""


def _number(value: str) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _text(n: float | None) -> str:
    if n is None:
        return ""
    return str(int(n)) if float(n).is_integer() else repr(round(n, 6))


def _hours(duration: str) -> float | None:
    m = _DURATION.match(duration or "")
    if not m:
        return None
    return float(m.group(1)) + float(m.group(2)) / 60 + float(m.group(3)) / 3600


def read_mspdi(file: str, data: bytes) -> list[RawSheet]:
    """The plan as the contract's projects sheet (one row) and milestones sheet."""
    p = parse(file, data)
    root = next((t for t in p.tasks if t.fields.get("OutlineLevel") == "0"), None)
    r = root.fields if root else {}
    base = root.baseline if root else {}
    h = p.header
    project_id = (h.get("Title") or h.get("Name") or PurePosixPath(file).stem).strip()
    project_id = re.sub(r"\.xml$", "", project_id, flags=re.IGNORECASE)
    name = (r.get("Name") or h.get("Title") or project_id).strip()
    manager = (h.get("Manager") or "").strip()
    pct = _number(r.get("PercentComplete", ""))
    start = _date(r.get("Start") or h.get("StartDate", ""))
    finish = _date(r.get("Finish") or h.get("FinishDate", ""))
    baseline_finish = _date(base.get("Finish", "")) or finish
    cost = _number(r.get("Cost", ""))
    bac = _number(base.get("Cost", "")) or cost
    actual = _number(r.get("ActualCost", "")) or _number(r.get("ACWP", ""))
    bcws, bcwp = _number(r.get("BCWS", "")), _number(r.get("BCWP", ""))
    computed = bool(bcws or bcwp)  # all zero: the file has no earned-value figures
    stage = "Planning" if not pct else ("Closed" if pct >= 100 else "Execution")
    project = {
        "project_id": project_id,
        "project_name": name,
        "project_manager": manager if "@" in manager else "",
        "stage": stage,
        "start_date": start,
        "baseline_end_date": baseline_finish,
        "forecast_end_date": finish,
        "actual_end_date": _date(r.get("ActualFinish", "")) if pct and pct >= 100 else "",
        "budget_bac": _text(bac),
        "actual_cost": _text(actual if actual is not None else 0.0),
        "planned_value": _text(bcws) if computed else "",
        "earned_value": _text(bcwp) if computed else "",
        "percent_complete": _text(pct),
        "forecast_eac": _text(cost) if cost else "",
    }
    milestones = []
    kept: list[_Task] = []
    for t in p.tasks:
        f = t.fields
        if t is root or f.get("Summary") == "1" or f.get("IsNull") == "1":
            continue
        hours = _hours(f.get("Duration", ""))
        if not (f.get("Milestone") == "1" or (hours == 0 and f.get("Finish"))):
            continue
        done = _number(f.get("PercentComplete", "")) or 0
        key = f.get("Critical") == "1" or f.get("OutlineLevel") in ("0", "1")
        kept.append(t)
        milestones.append(
            {
                "project_id": project_id,
                "milestone_id": f.get("UID", ""),
                "milestone_name": f.get("Name", "") or f"Task {f.get('ID', '')}",
                "baseline_date": _date(t.baseline.get("Finish", "")) or _date(f.get("Finish", "")),
                "forecast_date": _date(f.get("Finish", "")),
                "actual_date": _date(f.get("ActualFinish", "")) if done >= 100 else "",
                "is_key": "true" if key else "false",
            }
        )
    sheets = [_sheet(file, "projects", PROJECT_FIELDS, [project], [_id(root.fields if root else {}, 0)])]
    if milestones:
        ids = [_id(t.fields, k + 1) for k, t in enumerate(kept)]
        sheets.append(_sheet(file, "milestones", MILESTONE_FIELDS, milestones, ids))
    return sheets


def _id(fields: dict[str, str], default: int) -> int:
    """The task's ID: the row number Microsoft Project shows it at."""
    try:
        return int(fields.get("ID", ""))
    except ValueError:
        return default


# Each converted column as Microsoft Project names the field it comes from (a problem is
# reported at the task's row and that field: the converted sheet's cells do not exist)
SOURCE_FIELDS = {
    "project_id": "Title",
    "project_name": "Name",
    "project_manager": "Manager",
    "stage": "% Complete",
    "start_date": "Start",
    "baseline_end_date": "Baseline Finish",
    "forecast_end_date": "Finish",
    "actual_end_date": "Actual Finish",
    "budget_bac": "Baseline Cost",
    "actual_cost": "Actual Cost",
    "planned_value": "BCWS",
    "earned_value": "BCWP",
    "percent_complete": "% Complete",
    "forecast_eac": "Cost",
    "milestone_id": "Unique ID",
    "milestone_name": "Name",
    "baseline_date": "Baseline Finish",
    "forecast_date": "Finish",
    "actual_date": "Actual Finish",
    "is_key": "Critical",
}


def _sheet(
    file: str, table: str, headers: tuple[str, ...], rows: list[dict[str, str]], ids: list[int]
) -> RawSheet:
    data = pa.table({f"c{j}": pa.array([r[h] for r in rows], pa.string()) for j, h in enumerate(headers)})
    return RawSheet(
        file=file,
        sheet=table,
        headers=list(headers),
        header_row=1,
        data=data,
        rows=pa.array(range(2, len(rows) + 2), pa.int64()),
        source_fields=tuple(SOURCE_FIELDS[h] for h in headers),
        source_rows=tuple(ids),
    )


MPP_MESSAGE = (
    "This is a binary Microsoft Project file (.mpp), which cannot be read. In Microsoft Project "
    "choose File > Save As, and under 'Save as type' pick 'XML Format (*.xml)'; upload that .xml "
    "file (ProjectLibre: File > Save As > MSPDI XML)."
)


def refuse_mpp(file: str) -> RejectedFile:
    return _reject(file, "binary_mpp", MPP_MESSAGE)
