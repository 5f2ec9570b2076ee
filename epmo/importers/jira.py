"""Jira and flow-tool exports -> work_items rows.

Three layouts, detected from the headers or named by the user:

- ``jira_csv``: Jira's own CSV export ("all fields" or "current fields"): `Issue key` (or
  `Key`, with trailing spaces), `Summary`, `Issue Type`, `Status`, `Status Category`,
  `Created`, `Resolved`, `Status Category Changed`, repeated headers (`Sprint`, `Sprint`;
  `Labels` x5; `Comment` x3), custom fields written `Custom field (Story Points)`, dates
  such as `12/Apr/26 3:30 PM`, `22/Mar/14 07:59` or `11/01/2023 15:22`, Windows-1252 files
  with CRLF and multi-line cells, and the `Generated at ... using JIRA ...` footer of older
  servers. It says when an item was done (Resolved) but not when work started: only items
  still in progress get a start (the day their status category last changed). Give a
  status-history file as well for exact start dates of finished items.
- ``stage_dates``: the layout of flow tools (ActionableAgile, jira-metrics-extract): `ID`,
  `Link`, `Name`, then one column per workflow stage holding the date the item entered it,
  then attributes (`Type`, `Status`, `Created`, `StoryPoints`...).
- ``status_history``: one row per status change: key, from status, to status, timestamp.

Dates are kept as the calendar day written in the file (a timestamp's own time zone); a
history's moves are ordered by their instants. Numeric day/month order is one per export:
the workflow's `date_order`, else what the export's own dates show (_Context.settle_order). The EPMO project comes from the workflow's `project_keys` (Jira project
key -> project_id) or from one project id given for the whole file.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from epmo import contract
from epmo.readers import decode_text
from epmo.report import ERROR, WARNING, Issue, RejectedFile, column_letter
from epmo.settings import current
from epmo.workflow import DONE, IN_PROGRESS, TODO, Workflow

LAYOUTS = ("jira_csv", "stage_dates", "status_history")
OUT_COLUMNS = contract.WORK_ITEMS.column_names

# month names as a Jira writes them in English, German or French, abbreviated or whole,
# looked up whole without accents or a final dot (03/Mär/26, 24/déc./26): nothing else is a month
_MONTHS = {
    name: month
    for month, names in enumerate(
        (
            "jan january januar janv janvier",
            "feb february februar fev fevr fevrier",
            "mar march marz mrz mars",
            "apr april avr avril",
            "may mai",
            "jun june juni juin",
            "jul july juli juil juillet",
            "aug august aou aout",
            "sep sept september septembre",
            "oct october okt oktober octobre",
            "nov november novembre",
            "dec december dez dezember decembre",
        ),
        start=1,
    )
    for name in names.split()
}
_ISO = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?)?$"
)
_MON = re.compile(
    r"^(\d{1,2})[/\- ]([^\W\d_]{3,9}\.?)[/\- ](\d{2}|\d{4})(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?)?$"
)
_NUM = re.compile(
    r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?)?$"
)
# 13.11.2026: day first whatever the order, as dots are written only day first (the same rule
# as the contract's dates, queries/macros/epmo_date_clean.sql)
_DOTS = re.compile(
    r"^(\d{1,2})\.(\d{1,2})\.(\d{2}|\d{4})(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?)?$"
)
_FOOTER = re.compile(r"^\s*generated (at|on)\b.*\b(jira|atlassian)\b", re.IGNORECASE)

# headers, normalised without accents (_norm): English, and a German or French Jira's own
KEY = ("issue key", "key", "issue", "id", "vorgangsschlussel", "schlussel", "cle de ticket", "cle")
TITLE = ("summary", "name", "title", "zusammenfassung", "resume")
TYPE = ("issue type", "type", "work item type", "vorgangstyp", "type de ticket")
STATUS = ("status", "state", "etat", "statut")
STATUS_CATEGORY = ("status category", "statuskategorie", "categorie d etat", "categorie de statut")
CREATED = ("created", "created date", "date created", "erstellt", "creation", "cree", "date de creation")
RESOLVED = (
    "resolved",
    "resolution date",
    "resolved date",
    "done date",
    "erledigt",
    "resolue",
    "resolu",
    "date de resolution",
)
RESOLUTION = ("resolution", "losung")
# the German and French headers above (how a person does not write them: without accents)
LOCALIZED_HEADERS = {
    "vorgangsschlussel",
    "schlussel",
    "cle de ticket",
    "cle",
    "zusammenfassung",
    "resume",
    "vorgangstyp",
    "type de ticket",
    "etat",
    "statut",
    "statuskategorie",
    "categorie d etat",
    "categorie de statut",
    "erstellt",
    "creation",
    "cree",
    "date de creation",
    "erledigt",
    "resolue",
    "resolu",
    "date de resolution",
    "losung",
}
# Jira's status categories in German and French (the English names are the contract's)
CATEGORY_NAMES = {
    "zu erledigen": TODO,
    "in arbeit": IN_PROGRESS,
    "fertig": DONE,
    "erledigt": DONE,
    "a faire": TODO,
    "en cours": IN_PROGRESS,
    "termine": DONE,
    "termine e": DONE,
}
# resolutions (and statuses) that close an item without the work being done: such an item is
# neither throughput nor backlog, and is left out (one warning says how many)
NOT_WORK = {
    "won t do",
    "wont do",
    "won t fix",
    "wont fix",
    "duplicate",
    "cannot reproduce",
    "cancelled",
    "canceled",
    "declined",
    "rejected",
    "obsolete",
    # German and French, without accents
    "wird nicht erledigt",
    "nicht erledigt",
    "duplikat",
    "nicht reproduzierbar",
    "abgelehnt",
    "abgebrochen",
    "ne sera pas fait",
    "ne sera pas corrige",
    "doublon",
    "impossible a reproduire",
    "abandonne",
    "annule",
    "refuse",
}
CATEGORY_CHANGED = ("status category changed", "statuskategorie geandert", "categorie d etat modifiee")
PARENT = ("parent key", "custom field epic link", "epic link", "parent", "parent id", "epic")
ISSUE_ID = ("issue id", "vorgangs id", "id de ticket")
TEAM = ("custom field team", "team", "squad")
POINTS = (
    "custom field story points",
    "custom field story point estimate",
    "story points",
    "storypoints",
    "story point estimate",
    "points",
)
SPRINT = ("sprint", "custom field sprint")
PROJECT_KEY = ("project key", "projektschlussel", "cle de projet")
FROM = ("from status", "from", "fromstring", "old status", "from state")
TO = ("to status", "to", "tostring", "new status", "to state")
WHEN = ("timestamp", "changed", "changed at", "transition date", "date", "when", "created")
FIELD = ("field", "field name", "fieldname", "changed field")  # a changelog of every field
ATTRIBUTES = {"type", "status", "resolution", "created", "labels", "release", "team", "level"}


@dataclass
class Imported:
    """The result of an import: work_items rows (contract names), issues, the layout."""

    layout: str
    rows: list[dict[str, str]] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    # each row's row number in the export (its first, when several rows make one item), and
    # for each work_items column copied from one of the export's columns, that column's
    # header and letter: a check of the converted rows is reported where the person sees it
    source_rows: list[int] = field(default_factory=list)
    headers: dict[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not any(i.severity == ERROR for i in self.issues)

    def to_csv(self) -> bytes:
        """The rows as a work_items CSV with the contract's headers (UTF-8)."""
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(OUT_COLUMNS)
        for r in self.rows:
            w.writerow([r.get(c, "") for c in OUT_COLUMNS])
        return buf.getvalue().encode("utf-8")


def parse_when(text: str, dayfirst: bool = True, strict: bool = False) -> dt.date | None:
    """The calendar day of a Jira or flow-tool date/timestamp; None when it is not one.
    A numeric day/month is read in the order `dayfirst` says; one that fits only the other
    order (13 as the month) is read that way unless `strict` (an export's dates are written
    one way: _Context.settle_order)."""
    moment = parse_moment(text, dayfirst, strict)
    return None if moment is None else moment[0]


def parse_moment(
    text: str, dayfirst: bool = True, strict: bool = False
) -> tuple[dt.date, dt.datetime] | None:
    """(the calendar day as written, the instant for ordering: in UTC when the timestamp
    gives its offset, else as written) of a date/timestamp; None when it is not one."""
    s = unicodedata.normalize("NFC", text.strip())  # a decomposed "Mär" (a Mac's) is "Mär"
    if not s:
        return None
    try:
        m = _ISO.match(s)
        if m:
            day = dt.date(int(m[1]), int(m[2]), int(m[3]))
            at = dt.datetime.combine(day, dt.time(int(m[4] or 0), int(m[5] or 0), int(m[6] or 0)))
            if m[7] and m[7] != "Z":
                sign = -1 if m[7][0] == "-" else 1
                digits = m[7][1:].replace(":", "")
                at -= sign * dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
            return day, at
        m = _MON.match(s)
        if m:
            month = _MONTHS.get(_plain(m[2]).rstrip("."))
            if month is None:
                return None
            day = dt.date(_year(m[3]), month, int(m[1]))
            return day, _at(day, m[4], m[5], m[6], m[7])
        m = _DOTS.match(s)
        if m:
            day = dt.date(_year(m[3]), int(m[2]), int(m[1]))
            return day, _at(day, m[4], m[5], m[6], m[7])
        m = _NUM.match(s)
        if m:
            a, b = int(m[1]), int(m[2])
            if strict:
                day_, month = (a, b) if dayfirst else (b, a)
            elif a > 12 or (dayfirst and b <= 12):
                day_, month = a, b
            else:
                day_, month = b, a
            day = dt.date(_year(m[3]), month, day_)
            return day, _at(day, m[4], m[5], m[6], m[7])
    except ValueError:
        return None
    return None


def _at(
    day: dt.date, hour: str | None, minute: str | None, second: str | None, ampm: str | None
) -> dt.datetime:
    h = int(hour or 0)
    if ampm:
        h = h % 12 + (12 if ampm.lower() == "pm" else 0)
    return dt.datetime.combine(day, dt.time(h, int(minute or 0), int(second or 0)))


def _numeric_dates(values: Iterable[str]) -> tuple[str, str, str, int]:
    """(a numeric date only day first can read, one only month first can, one either could
    with two different days, how many such ambiguous ones) among `values`."""
    dmy = mdy = ambiguous = ""
    n = 0
    for v in values:
        m = _NUM.match(v.strip())
        if not m or _DOTS.match(v.strip()):  # dots say their order themselves
            continue
        a, b = int(m[1]), int(m[2])
        if a > 12 >= b:
            dmy = dmy or v.strip()
        elif b > 12 >= a:
            mdy = mdy or v.strip()
        elif a != b:
            ambiguous = ambiguous or v.strip()
            n += 1
    return dmy, mdy, ambiguous, n


def _year(text: str) -> int:
    y = int(text)
    return y if len(text) == 4 else (2000 + y if y < 70 else 1900 + y)


def _plain(text: str) -> str:
    """Lower case without accents ("Schlüssel" -> "schlussel", "État" -> "etat")."""
    return "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))


def _norm(h: str) -> str:
    return contract.normalise_header(_plain(h))


def _read_csv(name: str, data: bytes, max_file_mb: float | None = None) -> tuple[list[list[str]], int]:
    """The export's records, from its header row on, and how many blank records came before
    it (so that a record's number is the one the person's file shows)."""
    limit_mb = float(max_file_mb if max_file_mb is not None else current().limits.max_file_mb)
    if len(data) > limit_mb * 1_000_000:
        raise RejectedFile(
            Issue(
                ERROR,
                "file_too_large",
                f"The file is {len(data) / 1e6:.1f} MB; the limit is {limit_mb:g} MB. Export "
                "fewer items (a filter per project) or fewer fields (in Jira: Export > CSV (current "
                "fields), which leaves out descriptions and comments), or ask an EPMO admin to raise "
                "the limit.",
                file=name,
            )
        )
    if not data.strip():
        raise RejectedFile(Issue(ERROR, "empty_file", "The file is empty. Export it again.", file=name))
    if data[:4] == b"PK\x03\x04":  # an Excel workbook (a zip), said as such, not "binary"
        raise RejectedFile(
            Issue(
                ERROR,
                "import_not_csv",
                "This is an Excel workbook: the work-item importer reads CSV exports. Export the issues "
                "as CSV (Jira: Export > CSV (all fields)) and upload that, or open the workbook and "
                "save it as CSV (UTF-8).",
                file=name,
            )
        )
    text, _enc = decode_text(name, data)
    sample = text[:65536]
    delimiter = ","
    first = sample.split("\n", 1)[0]
    if first.count(";") > first.count(",") and first.count(";") > first.count("\t"):
        delimiter = ";"
    elif first.count("\t") > first.count(","):
        delimiter = "\t"
    max_rows = current().limits.max_rows
    rows: list[list[str]] = []
    try:
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            rows.append(row)
            if len(rows) > max_rows + 1:
                raise RejectedFile(
                    Issue(
                        ERROR,
                        "too_many_rows",
                        f"The file has more than {max_rows:,} rows. Export fewer items.",
                        file=name,
                    )
                )
    except csv.Error as exc:
        raise RejectedFile(
            Issue(ERROR, "unreadable_csv", f"The CSV cannot be read ({exc}). Export it again.", file=name)
        ) from None
    above = 0
    while above < len(rows) and not any(c.strip() for c in rows[above]):
        above += 1
    rows = rows[above:]
    if not rows:
        raise RejectedFile(Issue(ERROR, "empty_file", "The file has no header row.", file=name))
    return rows, above


def detect_layout(headers: list[str]) -> str | None:
    """Which layout a header row belongs to, or None."""
    norm = [_norm(h) for h in headers]
    has = set(norm)
    if (has & set(KEY)) and (has & set(FROM)) and (has & set(TO)) and (has & set(WHEN)):
        return "status_history"
    if norm[:3] == ["id", "link", "name"]:
        return "stage_dates"
    # a German or French Jira's headers too (Vorgangsschlüssel, Zusammenfassung; Clé de ticket, Résumé, État)
    keys = {"issue key", "key"} | (set(KEY) & LOCALIZED_HEADERS)
    titles = {"summary"} | (set(TITLE) & LOCALIZED_HEADERS)
    if has & keys and has & titles and has & ({"status"} | (set(STATUS) & LOCALIZED_HEADERS)):
        return "jira_csv"
    return None


class _Headers:
    def __init__(self, headers: list[str]):
        self.raw = headers
        self.norm = [_norm(h) for h in headers]

    def first(self, names: tuple[str, ...]) -> int | None:
        for n in names:
            if n in self.norm:
                return self.norm.index(n)
        return None

    def all(self, names: tuple[str, ...]) -> list[int]:
        return [j for j, n in enumerate(self.norm) if n in names]


def _cell(row: list[str], j: int | None) -> str:
    if j is None or j >= len(row):
        return ""
    return row[j].strip()


def _is_footer(row: list[str]) -> bool:
    filled = [c for c in row if c.strip()]
    return not filled or (len(filled) == 1 and bool(_FOOTER.match(filled[0])))


@dataclass
class _Unplaced:
    """Where a status the workflow cannot place first appears, and in how many rows."""

    rownum: int
    column: str
    j: int | None
    rows: int = 0


class _Context:
    def __init__(self, name: str, wf: Workflow, project_id: str | None):
        self.name = name
        self.wf = wf
        self.project_id = (project_id or "").strip() or None
        self.dayfirst = (wf.date_order or "dmy") == "dmy"
        self.mixed = False  # the export's numeric dates are written both ways
        self.issues: list[Issue] = []
        self._unmapped: set[str] = set()
        self._unknown: dict[str, _Unplaced] = {}  # a status the workflow cannot place: one issue each
        self.copied: dict[str, int | None] = {}  # work_items column -> the export's column it copies

    def settle_order(self, values: Iterable[str]) -> None:
        """The day/month order of the export's numeric dates, from the dates themselves
        (one only day first can read, 13/11/2026, or only month first, 11/13/2026), unless
        the workflow names it: one export writes its dates one way, so each is read that way
        and one that fits only the other is refused. Both kinds in one export are refused; an
        export whose every numeric date reads both ways is read day first, said once."""
        if self.wf.date_order is not None:
            return
        dmy, mdy, ambiguous, n = _numeric_dates(values)
        if dmy and mdy:
            self.mixed = True
            self.issues.append(
                Issue(
                    ERROR,
                    "import_mixed_date_order",
                    f"The export writes dates day first ('{dmy}') and month first ('{mdy}'). "
                    "Export them one way (Jira: ISO dates, or 12/Apr/26), or name the order in "
                    'the workflow ("date_order": "dmy" or "mdy").',
                    file=self.name,
                )
            )
        elif mdy:
            self.dayfirst = False
        elif ambiguous and not dmy:
            first = parse_when(ambiguous, True)
            self.issues.append(
                Issue(
                    WARNING,
                    "import_date_order_assumed",
                    f"{n:,} dates such as '{ambiguous}' read day or month first; they were read "
                    f"day first ({first:%d %B %Y}). If the export writes the month first, name "
                    'the order in the workflow ("date_order": "mdy") and upload it again.',
                    file=self.name,
                    value=ambiguous,
                )
            )

    def date(self, row: list[str], j: int | None, headers: _Headers, rownum: int) -> str:
        moment = self.moment(row, j, headers, rownum)
        return moment[0].isoformat() if moment else ""

    def moment(
        self, row: list[str], j: int | None, headers: _Headers, rownum: int
    ) -> tuple[dt.date, dt.datetime] | None:
        text = _cell(row, j)
        if not text or j is None:
            return None
        moment = parse_moment(text, self.dayfirst, strict=True)
        if moment is None:
            other = parse_when(text, not self.dayfirst, strict=True)
            order = "day" if self.dayfirst else "month"
            why = (
                f"'{headers.raw[j].strip()}' reads only {'month' if self.dayfirst else 'day'} first "
                + (
                    f"({other:%d %B %Y}), and other dates of this export only {order} first. "
                    "Write them one way."
                    if self.mixed
                    else f"({other:%d %B %Y}), but this export's dates are {order} first. Correct it, "
                    'or name the order in the workflow ("date_order").'
                )
                if other
                else f"'{headers.raw[j].strip()}' is not a date Jira or a flow tool writes "
                "(2026-04-12, 12/Apr/26 3:30 PM, 12/04/2026 15:30). Correct it or clear the cell."
            )
            self.issues.append(
                Issue(
                    ERROR,
                    "import_not_a_date",
                    why,
                    file=self.name,
                    row=rownum,
                    column=headers.raw[j].strip(),
                    cell=f"{column_letter(j)}{rownum}",
                    value=text,
                )
            )
            return None
        return moment

    def project(self, key: str, project_key: str, rownum: int, where: tuple[str, int] | None = None) -> str:
        """The EPMO project of an item; `where`: the header and index of the column its Jira
        project comes from (the Project key column, else the key's), for the refusal's cell."""
        if self.project_id:
            return self.project_id
        pid = self.wf.project_id(project_key + "-0" if project_key else key)
        if pid:
            return pid
        prefix = project_key or key.rsplit("-", 1)[0]
        if prefix not in self._unmapped:
            self._unmapped.add(prefix)
            self.issues.append(
                Issue(
                    ERROR,
                    "import_unknown_project_key",
                    f"Jira project '{prefix}' has no EPMO project id. Give the project id for "
                    f'the file, or add "{prefix}": "PRJ-..." to the workflow\'s project_keys.',
                    file=self.name,
                    row=rownum,
                    column=where[0] if where else "",
                    cell=f"{column_letter(where[1])}{rownum}" if where else "",
                    value=project_key or key,
                )
            )
        return ""

    def category(self, status: str, rownum: int, column: str, j: int | None = None) -> str:
        # the workflow, else the name (English, else a German or French Jira's category name)
        cat = (self.wf.category(status) or CATEGORY_NAMES.get(_norm(status))) if status else TODO
        if cat is None:
            self._unknown.setdefault(status, _Unplaced(rownum, column, j)).rows += 1
            return ""
        return cat

    def finish(self) -> None:
        """One issue per status the workflow cannot place, at its first row, with a count."""
        for status, u in self._unknown.items():
            more = f" ({u.rows:,} rows; the first shown)" if u.rows > 1 else ""
            self.issues.append(
                Issue(
                    ERROR,
                    "import_unknown_status",
                    f"Status '{status}' is not in the workflow and its name does not say whether "
                    f"work has started or is done{more}. Add it to the workflow's statuses (in order).",
                    file=self.name,
                    row=u.rownum,
                    column=u.column,
                    cell=f"{column_letter(u.j)}{u.rownum}" if u.j is not None else "",
                    value=status,
                )
            )
        self._unknown.clear()


def import_work_items(
    file_name: str,
    data: bytes,
    wf: Workflow | None = None,
    layout: str | None = None,
    project_id: str | None = None,
    history: tuple[str, bytes] | None = None,
    max_file_mb: float | None = None,
) -> Imported:
    """Read a Jira/flow-tool export into work_items rows. Never raises for bad content:
    what cannot be read is an issue (RejectedFile for a file that cannot be read at all).
    `max_file_mb` overrides limits.max_file_mb."""
    wf = wf or Workflow()
    name = PurePosixPath(file_name).name
    rows, above = _read_csv(name, data, max_file_mb)
    headers = _Headers(rows[0])
    found = detect_layout(rows[0])
    if layout is None:
        layout = found
    if layout is None:
        raise RejectedFile(
            Issue(
                ERROR,
                "import_unknown_layout",
                "This is not a layout the work-item importer reads: a Jira CSV export (Issue key, "
                "Summary, Status...), a stage-date file (ID, Link, Name, one date column per "
                "stage) or a status history (key, from, to, timestamp). Check the header row.",
                file=name,
                row=1,
            )
        )
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}; choose one of {', '.join(LAYOUTS)}")
    ctx = _Context(name, wf, project_id)
    body = [(i + 2 + above, r) for i, r in enumerate(rows[1:]) if not _is_footer(r)]
    if layout == "jira_csv":
        out = _jira_csv(ctx, headers, body)
    elif layout == "stage_dates":
        out = _stage_dates(ctx, headers, body)
    else:
        out = _status_history(ctx, headers, body)
    if history is not None and layout != "status_history":
        hist_rows, hist_above = _read_csv(history[0], history[1], max_file_mb)
        hctx = _Context(history[0], wf, project_id or "-")
        items = _status_history(
            hctx, _Headers(hist_rows[0]), [(i + 2 + hist_above, r) for i, r in enumerate(hist_rows[1:])]
        )
        hctx.finish()
        ctx.issues += [i for i in hctx.issues if i.rule != "import_unknown_project_key"]
        by_key = {r["item_key"]: r for r in items}
        for r in out:
            h = by_key.get(r["item_key"])
            if h:
                r["started_date"] = h["started_date"] or r["started_date"]
                if r["status_category"] == DONE:
                    r["done_date"] = h["done_date"] or r["done_date"]
    ctx.finish()
    if not out and not any(i.severity == ERROR for i in ctx.issues):
        ctx.issues.append(
            Issue(
                ERROR,
                "import_no_items",
                "The file has a header but no work items: nothing was stored. Export the project's "
                "whole backlog (every status, done items included), not a sprint or a filter that "
                "matched nothing; last week's backlog stays in force until then.",
                file=name,
            )
        )
    sources = [int(r.pop("_row", "0") or 0) for r in out]
    copied = {c: (headers.raw[j].strip(), column_letter(j)) for c, j in ctx.copied.items() if j is not None}
    return Imported(layout, out, ctx.issues, sources, copied)


def _required(ctx: _Context, headers: _Headers, names: tuple[str, ...], what: str) -> int | None:
    j = headers.first(names)
    if j is None:
        english = [n for n in names if n not in LOCALIZED_HEADERS]
        ctx.issues.append(
            Issue(
                ERROR,
                "import_missing_column",
                f"No {what} column (looked for: {', '.join(repr(n) for n in english)}"
                + (", or a German or French Jira's own name for it" if len(english) < len(names) else "")
                + "). Export it, or choose another layout.",
                file=ctx.name,
                row=1,
            )
        )
    return j


def _missing_key(ctx: _Context, rownum: int, header: str, j: int | None = None) -> None:
    ctx.issues.append(
        Issue(
            ERROR,
            "import_missing_key",
            "The item has no key. Every exported item needs its key.",
            file=ctx.name,
            row=rownum,
            column=header,
            cell=f"{column_letter(j)}{rownum}" if j is not None else "",
        )
    )


def _jira_csv(ctx: _Context, h: _Headers, body: list[tuple[int, list[str]]]) -> list[dict[str, str]]:
    jk = _required(ctx, h, ("issue key", "key", *(k for k in KEY if k in LOCALIZED_HEADERS)), "issue key")
    jt = _required(ctx, h, TITLE, "Summary")
    js = _required(ctx, h, STATUS, "Status")
    if jk is None or jt is None or js is None:
        return []
    jc, jcat, jres, jchg = (
        h.first(CREATED),
        h.first(STATUS_CATEGORY),
        h.first(RESOLVED),
        h.first(CATEGORY_CHANGED),
    )
    jtype, jpar, jid, jteam = h.first(TYPE), h.first(PARENT), h.first(ISSUE_ID), h.first(TEAM)
    jpts, jproj, jresn = h.first(POINTS), h.first(PROJECT_KEY), h.first(RESOLUTION)
    sprints = h.all(SPRINT)
    ctx.copied = {"item_key": jk, "item_type": jtype, "title": jt, "team": jteam, "status": js}
    ctx.copied |= {"created_date": jc, "story_points": jpts}
    ctx.settle_order(_cell(r, j) for _n, r in body for j in (jc, jres, jchg) if j is not None)
    id_to_key = {_cell(r, jid): _cell(r, jk) for _n, r in body if jid is not None and _cell(r, jid)}
    categories = contract.enum_lookup(contract.WORK_ITEMS.column("status_category"))
    left_out: dict[str, int] = {}  # closed without the work being done: how -> its first row
    left_out_n = 0
    out = []
    for rownum, r in body:
        key = _cell(r, jk)
        if not key:
            _missing_key(ctx, rownum, h.raw[jk].strip(), jk)
            continue
        status = _cell(r, js)
        closed_as = next((v for v in (_cell(r, jresn), status) if _norm(v) in NOT_WORK), "")
        if closed_as and not (ctx.wf.rank(status) is not None and ctx.wf.category(status) != DONE):
            left_out.setdefault(closed_as, rownum)
            left_out_n += 1
            continue
        # the workflow's order places a status it lists (its started and done points are the
        # team's, not Jira's category); else Jira's Status Category, when it is one we know
        # (English); else the status's own name
        declared = categories.get(contract.normalise_value_key(_cell(r, jcat)), "") or CATEGORY_NAMES.get(
            _norm(_cell(r, jcat)), ""
        )
        if ctx.wf.rank(status) is not None and ctx.wf.started and ctx.wf.done or not declared:
            category = ctx.category(status, rownum, h.raw[js].strip(), js)
        else:
            category = declared
        resolved = ctx.date(r, jres, h, rownum)
        changed = ctx.date(r, jchg, h, rownum)
        parent = _cell(r, jpar)
        parent = id_to_key.get(parent, parent)
        out.append(
            {
                "project_id": ctx.project(
                    key,
                    _cell(r, jproj),
                    rownum,
                    (h.raw[jproj].strip(), jproj)
                    if _cell(r, jproj) and jproj is not None
                    else (h.raw[jk].strip(), jk),
                ),
                "item_key": key,
                "item_type": _cell(r, jtype),
                "title": _cell(r, jt),
                "parent_key": parent,
                "team": _cell(r, jteam),
                "status": status,
                "status_category": category,
                "created_date": ctx.date(r, jc, h, rownum),
                "started_date": changed if category == IN_PROGRESS else "",
                "done_date": (resolved or changed) if category == DONE else "",
                "story_points": _cell(r, jpts),
                "sprints": "; ".join(s for s in (_cell(r, j) for j in sprints) if s),
                "_row": str(rownum),
            }
        )
    _say_left_out(ctx, left_out, left_out_n)
    return out


def _not_work(ctx: _Context, status: str) -> bool:
    """A status that closes an item without the work being done (NOT_WORK), unless the
    workflow lists it as a status of work (not done)."""
    return _norm(status) in NOT_WORK and not (
        ctx.wf.rank(status) is not None and ctx.wf.category(status) != DONE
    )


def _say_left_out(ctx: _Context, left_out: dict[str, int], n: int) -> None:
    if left_out:
        ctx.issues.append(
            Issue(
                WARNING,
                "import_items_left_out",
                f"{n:,} items closed without the work being done ({', '.join(sorted(left_out))}) are "
                "left out: they are neither throughput nor backlog.",
                file=ctx.name,
                row=min(left_out.values()),
                value=", ".join(sorted(left_out)),
            )
        )


def _stage_columns(ctx: _Context, h: _Headers, body: list[tuple[int, list[str]]]) -> list[int]:
    """The stage columns: those named in the workflow, else the run of date columns after Name."""
    if ctx.wf.statuses:
        named = [j for j in range(3, len(h.raw)) if ctx.wf.rank(h.raw[j]) is not None]
        if named:
            return named
    stages = []
    for j in range(3, len(h.raw)):
        if h.norm[j] in ATTRIBUTES:
            break
        values = [_cell(r, j) for _n, r in body[:200]]
        if any(v and parse_when(v, ctx.dayfirst) is None for v in values):
            break
        stages.append(j)
    return stages


def _stage_dates(ctx: _Context, h: _Headers, body: list[tuple[int, list[str]]]) -> list[dict[str, str]]:
    stages = _stage_columns(ctx, h, body)
    if not stages:
        ctx.issues.append(
            Issue(
                ERROR,
                "import_no_stages",
                "No stage columns after ID, Link, Name: each stage column holds the date the item "
                "entered that stage.",
                file=ctx.name,
                row=1,
            )
        )
        return []
    names = [h.raw[j].strip() for j in stages]
    ctx.settle_order(_cell(r, j) for _n, r in body for j in (*stages, h.first(CREATED)) if j is not None)
    wf = ctx.wf
    if not (wf.statuses and wf.started and wf.done and all(wf.rank(n) is not None for n in names)):
        # no workflow for these stages: the first is the backlog, the second starts the
        # work, the last is done
        wf = Workflow(statuses=names, started=names[1 if len(names) > 2 else 0], done=names[-1])
    started_rank, done_rank = wf.rank(wf.started), wf.rank(wf.done)
    assert started_rank is not None and done_rank is not None
    jtype = h.first(("type", "issue type"))
    jstat, jc, jpts, jteam = h.first(("status",)), h.first(CREATED), h.first(POINTS), h.first(TEAM)
    jpar = h.first(PARENT)
    sprints = h.all(SPRINT)
    ctx.copied = {"item_key": 0, "item_type": jtype, "team": jteam, "story_points": jpts}
    out = []
    for rownum, r in body:
        key = _cell(r, 0)
        if not key:
            _missing_key(ctx, rownum, h.raw[0].strip(), 0)
            continue
        entered: list[tuple[int, str, str]] = []  # (rank, date, stage)
        for j, stage in zip(stages, names, strict=True):
            d = ctx.date(r, j, h, rownum)
            if d:
                rank = wf.rank(stage)
                assert rank is not None
                entered.append((rank, d, stage))
        started = min((d for rank, d, _s in entered if rank >= started_rank), default="")
        done = min((d for rank, d, _s in entered if rank >= done_rank), default="")
        reached = max(entered)[2] if entered else ""
        category = wf.category(reached) if reached else TODO
        created = ctx.date(r, jc, h, rownum) or min((d for _r, d, _s in entered), default="")
        out.append(
            {
                "project_id": ctx.project(key, "", rownum, (h.raw[0].strip(), 0)),
                "item_key": key,
                "item_type": _cell(r, jtype),
                "title": _cell(r, 2) or key,
                "parent_key": _cell(r, jpar),
                "team": _cell(r, jteam),
                "status": _cell(r, jstat) or reached or names[0],
                "status_category": category or TODO,
                "created_date": created,
                "started_date": started,
                "done_date": done if category == DONE else "",
                "story_points": _cell(r, jpts),
                "sprints": "; ".join(s for s in (_cell(r, j) for j in sprints) if s),
                "_row": str(rownum),
            }
        )
    return out


def _status_history(ctx: _Context, h: _Headers, body: list[tuple[int, list[str]]]) -> list[dict[str, str]]:
    jk = _required(ctx, h, KEY, "issue key")
    jf = _required(ctx, h, FROM, "from status")
    jt = _required(ctx, h, TO, "to status")
    jw = _required(ctx, h, WHEN, "timestamp")
    if jk is None or jf is None or jt is None or jw is None:
        return []
    jsum, jtype, jproj = h.first(("summary", "title")), h.first(TYPE), h.first(PROJECT_KEY)
    ctx.copied = {"item_key": jk, "item_type": jtype}
    ctx.settle_order(_cell(r, jw) for _n, r in body)
    # key -> (instant, row, day, to status) of each move, in the file's order at first
    changes: dict[str, list[tuple[dt.datetime, int, str, str]]] = {}
    meta: dict[str, tuple[int, str, str, str]] = {}
    jfield = h.first(FIELD)
    for rownum, r in body:
        if jfield is not None and _norm(_cell(r, jfield)) not in ("status", ""):
            continue  # a changelog of every field: an assignee's or points' change is no move
        key = _cell(r, jk)
        if not key:
            _missing_key(ctx, rownum, h.raw[jk].strip(), jk)
            continue
        moment = ctx.moment(r, jw, h, rownum)
        if moment is None:
            continue
        to = _cell(r, jt)
        if not _not_work(ctx, to):  # every status it moves to is placed (Cancelled: left out below)
            ctx.category(to, rownum, h.raw[jt].strip(), jt)
        changes.setdefault(key, []).append((moment[1], rownum, moment[0].isoformat(), to))
        meta.setdefault(key, (rownum, _cell(r, jsum), _cell(r, jtype), _cell(r, jproj)))

    # moves in time order: by instant (UTC when the timestamps give their offsets), and
    # moves of the same instant (a date without a time) in the file's order, which for an
    # item is newest first when its first move is later than its last (an item whose moves
    # all share one instant follows the file's other items: the usual export lists each
    # item oldest first, one item after another)
    def direction(moves: list[tuple[dt.datetime, int, str, str]]) -> int:
        return (moves[0][0] > moves[-1][0]) - (moves[0][0] < moves[-1][0])  # 1 newest first

    votes = sum(direction(m) for m in changes.values())
    out = []
    left_out: dict[str, int] = {}
    for key, moves in changes.items():
        sign = -1 if (direction(moves) or (1 if votes > 0 else -1)) > 0 else 1
        moves.sort(key=lambda m: (m[0], sign * m[1]))
        rownum, title, kind, proj = meta[key]
        status = moves[-1][3]
        if _not_work(ctx, status):  # closed without the work: neither throughput nor backlog
            left_out.setdefault(status, rownum)
            continue
        category = ctx.wf.category(status) or ""
        started = next((w for _i, _n, w, to in moves if ctx.wf.category(to) in (IN_PROGRESS, DONE)), "")
        done = ""
        if category == DONE:  # the start of the final stretch in a done status
            for _i, _n, w, to in reversed(moves):
                if ctx.wf.category(to) != DONE:
                    break
                done = w
        out.append(
            {
                "project_id": ctx.project(key, proj, rownum),
                "item_key": key,
                "item_type": kind,
                "title": title or key,
                "parent_key": "",
                "team": "",
                "status": status,
                "status_category": category,
                "created_date": moves[0][2],
                "started_date": started,
                "done_date": done,
                "story_points": "",
                "sprints": "",
                "_row": str(rownum),
            }
        )
    _say_left_out(ctx, left_out, sum(1 for moves in changes.values() if _not_work(ctx, moves[-1][3])))
    return out


__all__ = ["LAYOUTS", "WARNING", "Imported", "detect_layout", "import_work_items", "parse_when"]
