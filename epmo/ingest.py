"""The whole upload path: read -> map -> stage -> check -> (commit).

Used by the Upload page, the CLI and the tests alike. Nothing is written unless every
error-level rule passes; a dry run never writes.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import hashlib
import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from epmo import access, audit, clock, contract, isolate, maintenance, sql
from epmo.access import Identity
from epmo.importers import WorkItemImport, sniff_layout
from epmo.mapping import DEFAULTED, MappedSheet, Mapping, map_upload
from epmo.readers import RawSheet
from epmo.report import ERROR, WARNING, Issue, RejectedFile, Report, column_index, column_letter, counted
from epmo.settings import current
from epmo.store import PreparedUpload, Snapshot, Store
from epmo.validate import new_report, run_checks, stage, typed_tables

if TYPE_CHECKING:
    import pandas as pd

AS_OF_HEADERS = {"as of", "as of date", "reporting date", "report date", "week ending"}

ACCEPTED = "accepted"
REJECTED = "rejected"
DUPLICATE = "duplicate"
VALID = "valid"  # dry run passed


def latest_reporting_day(today: dt.date | None = None) -> dt.date:
    """The most recent reporting weekday (Friday by default) on or before today."""
    today = today or clock.today()
    weekday = current().ingest.reporting_weekday
    return today - dt.timedelta(days=(today.weekday() - weekday) % 7)


def default_week(weeks: list[dt.date], today: dt.date | None = None) -> dt.date:
    """The week pages, decks and packs open on: the newest reported week up to this week's
    reporting day (the next one on or after today). A week reported further ahead (an
    upload may be up to ingest.max_as_of_days_ahead days ahead) is shown when chosen, not
    by default: one early upload would otherwise show every other project as missing.
    If every reported week is further ahead, the earliest; with none, the latest reporting day."""
    this_week = latest_reporting_day((today or clock.today()) + dt.timedelta(days=6))
    if not weeks:
        return latest_reporting_day(today)
    due = [w for w in weeks if w <= this_week]
    return max(due) if due else min(weeks)


def as_of_problem(as_of: dt.date, today: dt.date | None = None) -> str:
    """Why `as_of` cannot be a reporting date ("" when it can).

    Bounds (settings [ingest]): not after today plus max_as_of_days_ahead days, not
    before earliest_as_of. A week in year 9999 would become every page's latest week
    (and overflow date arithmetic); a week in 1900 is a typo.
    """
    today = today or clock.today()
    ahead = current().ingest.max_as_of_days_ahead
    earliest = dt.date.fromisoformat(current().ingest.earliest_as_of)
    latest = today + dt.timedelta(days=ahead)
    if as_of > latest:
        return (
            f"The as-of date {_day(as_of)} is in the future: the latest allowed is "
            f"{_day(latest)} (today {_day(today)} plus {ahead} days). "
            "Check the year, and give the week the data describes."
        )
    if as_of < earliest:
        return (
            f"The as-of date {_day(as_of)} is before {_day(earliest)}, the "
            "earliest reporting week accepted. Check the year, and give the week the data "
            "describes."
        )
    return ""


_CELL = re.compile(r"([A-Z]{1,3})([0-9]+)")


def _at_plan_fields(sheets: list[RawSheet]) -> Callable[[Issue], Issue]:
    """Issues of a file converted to sheets (a Microsoft Project plan) at the tool's own
    places: the task's row (its ID) and the field as the tool names it ('Finish'), with no
    sheet or cell (the converted sheet's 'E3' exists nowhere the person can look)."""
    plans = {
        (s.file, s.sheet): (dict(zip(s.headers, s.source_fields, strict=True)), s.source_rows)
        for s in sheets
        if s.source_fields
    }

    def place(issue: Issue) -> Issue:
        found = plans.get((issue.file, issue.sheet))
        if found is None:
            return issue
        fields, ids = found
        k = None if issue.row is None else issue.row - 2  # the converted sheet's rows start at 2
        row = ids[k] if k is not None and 0 <= k < len(ids) else issue.row
        return replace(issue, sheet="", row=row, column=fields.get(issue.column, issue.column), cell="")

    return place


def _same(issue: Issue) -> Issue:
    return issue


def _at_source_cells(sheets: list[RawSheet]) -> Callable[[Issue], Issue]:
    """Issues of a transposed upload (one record per column) back at the source's cells:
    the checks place them by the transposed grid, where the record's column number is the
    row and the field's position the column ('F3' for the field in row 6 of column C)."""
    from epmo.mapping import transpose

    fields = {(s.file, s.sheet): transpose(s).field_rows for s in sheets}
    source = {(s.file, s.sheet): s for s in sheets}

    def place(issue: Issue) -> Issue:
        rows = fields.get((issue.file, issue.sheet))
        m = _CELL.fullmatch(issue.cell or "")
        if rows and m is None and issue.row is not None and not issue.cell:
            # a record's issue with no field (a whole row of the grid): at the record's
            # column, under its header (the project's name in the header row)
            s, j = source[(issue.file, issue.sheet)], issue.row - 1
            if 1 <= j < len(s.headers):
                return replace(
                    issue, row=s.header_row, column=s.headers[j], cell=f"{column_letter(j)}{s.header_row}"
                )
            return issue
        if not rows or m is None:
            return issue
        k = column_index(m.group(1))
        record = int(m.group(2))
        if not 0 <= k < len(rows):
            return issue
        if record == 1:  # the transposed header: the field's name, down the first column
            return replace(issue, row=rows[k], cell=f"A{rows[k]}")
        return replace(issue, row=rows[k], cell=f"{column_letter(record - 1)}{rows[k]}")

    return place


def mapping_name(mapping: Mapping | None, work_items: WorkItemImport | None) -> str:
    """How the ledger names the way an upload was read: a mapping's name, import:<layout>
    for a tool's export of work items, '' for the template."""
    if mapping:
        return mapping.name
    return f"import:{work_items.layout}" if work_items and work_items.layout else ""


def for_project(
    file_name: str,
    data: bytes,
    project: str | None,
    mapping: Mapping | None,
    work_items: WorkItemImport | None,
) -> tuple[Mapping | None, WorkItemImport | None]:
    """Where the project id given for an upload goes (`ingest --project`, the Upload page's
    "EPMO project id"): a work-item export's items take it through the importer; any other
    file through its mapping's `project`, which replaces the file's own project_id column
    (a plan whose title is the project's name, not its EPMO id)."""
    project = (project or "").strip()
    if not project:
        return mapping, work_items
    if work_items is not None or sniff_layout(file_name, data):
        return mapping, replace(work_items or WorkItemImport(), project_id=project)
    return replace(mapping or Mapping(), project=project), work_items


def duplicate_of(
    con: duckdb.DuckDBPyConnection, digest: str, as_of: dt.date, tables: dict[str, pa.Table]
) -> str:
    """The live upload this one would only repeat ('' when none): the same file for the same
    week, none of whose rows a later upload for that week has replaced (sending it again
    then puts them back), that stored exactly the rows this one would store. The same bytes
    read another way (another mapping or its fix, a Jira export for another project or with
    another workflow) store other rows: not a repeat."""
    found = sql.arrow(con, "ledger/duplicate_upload", sha256=digest, as_of=as_of).to_pylist()
    if not found:
        return ""
    sent = {name: t for name, t in tables.items() if t.num_rows}
    counts = {name: t.num_rows for name, t in sent.items()}
    for row in found:
        try:
            stored = {k: int(v) for k, v in json.loads(row["row_counts"] or "{}").items() if int(v)}
        except (ValueError, TypeError, AttributeError):
            continue
        if stored == counts and all(
            _same_rows(con, name, str(row["upload_id"]), t) for name, t in sent.items()
        ):
            return str(row["upload_id"])
    return ""


def _same_rows(con: duckdb.DuckDBPyConnection, name: str, upload_id: str, typed: pa.Table) -> bool:
    """Whether `typed` (an upload's rows of contract table `name`) are the rows `upload_id`
    stored there, each as often (contract columns; not the upload id or source row)."""
    from epmo.store import conform, data_schema

    stored = sql.arrow(
        con, "ingest/upload_rows", table=f"raw_{contract.table(name).name}", upload_id=upload_id
    )
    new = conform(typed, data_schema(name), upload_id).drop_columns(["upload_id", "source_row"])
    try:
        new = new.select(stored.column_names).cast(stored.schema)
    except (KeyError, pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return False
    con.register("stored_rows", stored)
    con.register("sent_rows", new)
    try:
        return sql.arrow(con, "ingest/rows_differ").column("differing_rows")[0].as_py() == 0
    finally:
        con.unregister("stored_rows")
        con.unregister("sent_rows")


def _day(day: dt.date) -> str:
    """A date as every page writes it (epmo.labels: 27 Nov 2026), without importing pandas
    for a refusal on the command line."""
    return f"{day:%d %b %Y}"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class _Hashing:
    """The sha256 of an upload, computed on a thread while the parse child reads the file
    (hashlib releases the GIL: 0.05 s of an 86 MB upload off the critical path). Calling it
    gives the hex digest, waiting for the thread if need be."""

    def __init__(self, data: bytes) -> None:
        self._digest = ""
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(data,), daemon=True)
        self._thread.start()

    def _run(self, data: bytes) -> None:
        try:
            self._digest = sha256(data)
        except BaseException as exc:  # raised where the digest is asked for
            self._error = exc

    def __call__(self) -> str:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._digest


@dataclass
class Outcome:
    status: str
    report: Report
    as_of_date: dt.date | None = None
    upload_id: str = ""
    duplicate_of: str = ""
    tables: dict[str, pa.Table] = field(default_factory=dict)
    preview: dict[str, object] = field(default_factory=dict)
    store_key: str = ""  # the store snapshot it was validated against
    no_duplicate_of: str = ""  # the sha256 looked for in the ledger at store_key, not found
    read_as: str = ""  # how the file was read, as the ledger names it (mapping_name)
    managers: dict[str, str] | None = None  # project -> its PM at store_key (check_upload(managers=True))
    portfolios: dict[str, str] | None = None  # project -> its portfolio at store_key (the same)
    # table -> the (file, sheet) its rows came from; (table, file, sheet, column) -> the
    # column's header as the file spells it and its letter: where a refusal's row is
    sources: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    places: dict[tuple[str, str, str, str], tuple[str, str]] = field(default_factory=dict)
    # refused as as_of_conflict: the one week the file's own as-of column says, when it is a
    # week an upload may report (the Upload page offers to report the file for it)
    file_week: dt.date | None = None
    # a work-item import's way back from the converted rows to the export's row and cell
    # (check_upload applies it to the report; _permitted to its refusals)
    placing: list[Callable[[Issue], Issue]] = field(default_factory=list, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        return self.status in (ACCEPTED, DUPLICATE, VALID)


def _as_of_from_columns(sheets: list[RawSheet]) -> set[str]:
    """Distinct values of any as-of column (as_of_date, reporting date...) in the upload."""
    values: set[str] = set()
    for s in sheets:
        for j, h in enumerate(s.headers):
            if contract.normalise_header(h) in AS_OF_HEADERS:
                values |= {v.strip() for v in s.data[f"c{j}"].to_pylist() if v and v.strip()}
    return values


def _as_of_header(sheets: list[RawSheet]) -> tuple[str, str]:
    """Where the as-of column is, in words, and its header as the file spells it."""
    for s in sheets:
        for h in s.headers:
            if contract.normalise_header(h) in AS_OF_HEADERS:
                where = f"sheet '{s.sheet}'" if s.sheet else f"file '{s.file}'"
                return f"column '{h}' of {where}", h
    return "the as-of column", ""  # pragma: no cover - only called when a column was found


_OTHER_ROW = re.compile(r"as row (\d+)\b")


def _as_of_conflict(
    sheets: list[RawSheet], value: str, readings: set[dt.date], as_of: dt.date, file_name: str
) -> Issue | None:
    """The file's as-of column names another week than the one given (the Upload page's date,
    `--as-of`): one upload reports one week, so the two must agree. A date within six days of
    the week given agrees (a "Report date" on the Thursday of the week, or the Monday after
    it), and so does either reading (`readings`: day first, month first) of a day/month date
    that could be both."""
    if not readings or any(abs((d - as_of).days) < 7 for d in readings):
        return None  # not a date (mapped and checked as a column, if it is one), or the same week
    where, header = _as_of_header(sheets)
    said = " or ".join(f"{d:%d %b %Y}" for d in sorted(readings))
    return Issue(
        ERROR,
        "as_of_conflict",
        f"The file's {where} says the week of {said}, but the upload is for {as_of:%d %b %Y}. "
        f"Choose the week the file says ({min(readings).isoformat()}) for the upload, or correct "
        "the column.",
        file=file_name,
        column=header,
        value=value,
    )


def _parse_date(text: str, dayfirst: bool) -> dt.date | None:
    con = sql.connect()
    try:
        parsed: dt.date | None = sql.arrow(con, "ingest/parse_date", text=text, dayfirst=dayfirst)[0][
            0
        ].as_py()
    finally:
        con.close()
    return parsed


class _Connecting:
    """The store's snapshot and a connection over it (views, macros: 0.4 CPU s), opened on
    a thread while the parse child reads the file, when the waiting costs nothing; closed
    unless taken (a file refused before validation never uses it)."""

    def __init__(self, store: Store) -> None:
        self._result: tuple[Snapshot, duckdb.DuckDBPyConnection] | None = None
        self._error: BaseException | None = None
        self._taken = False
        context = contextvars.copy_context()  # the caller's settings and clock overrides
        self._thread = threading.Thread(target=context.run, args=(self._open, store), daemon=True)
        self._thread.start()

    def _open(self, store: Store) -> None:
        try:
            snap = store.snapshot()
            self._result = (snap, store.connect(snap))
        except BaseException as exc:  # raised where the connection is taken
            self._error = exc

    def take(self) -> tuple[Snapshot, duckdb.DuckDBPyConnection]:
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._result is not None
        self._taken = True
        return self._result

    def close(self) -> None:
        if self._taken:
            return
        self._thread.join()
        if self._result is not None:
            self._result[1].close()


def check_upload(
    store: Store,
    file_name: str,
    data: bytes,
    as_of: dt.date | None = None,
    mapping: Mapping | None = None,
    max_file_mb: float | None = None,
    digest: str | Callable[[], str] = "",
    today: dt.date | None = None,
    work_items: WorkItemImport | None = None,
    managers: bool = False,
    preview: bool = True,
    uploader: str = "",
) -> Outcome:
    """Validate without writing. The Outcome carries typed tables ready to commit.

    `uploader`: the address of whoever uploads, for a mapping's `{uploader}` (mapping.UPLOADER).

    `today` (default: epmo.clock.today()) bounds the as-of date (as_of_problem).

    With the file's sha256 `digest` (or a callable giving it, asked for only once the
    upload is valid), a valid upload also looks, on the same store snapshot,
    for an accepted upload of the same file for the same week (Outcome.duplicate_of).
    With `managers`, a valid upload also carries each project's manager and portfolio on that
    snapshot (Outcome.managers and .portfolios: what commit checks an identity against,
    without a second connection; an unscoped store only, as access.project_managers reads it).
    With `preview` (the default), a valid upload carries what it changes against each
    project's previous report (Outcome.preview, which the Upload page shows before the
    commit); an upload validated and committed in one go (ingest) has no one to show it to.
    """
    connecting = _Connecting(store)
    placing: list[Callable[[Issue], Issue]] = []  # a work-item import: back to the export's cells
    try:
        outcome = _check_upload(
            store,
            file_name,
            data,
            as_of,
            mapping,
            max_file_mb,
            digest,
            today,
            work_items,
            connecting,
            managers,
            preview,
            uploader,
            placing,
        )
    finally:
        connecting.close()
    for place in placing:
        outcome.report.issues[:] = [place(i) for i in outcome.report.issues]
    outcome.placing = placing
    return outcome


def _check_upload(
    store: Store,
    file_name: str,
    data: bytes,
    as_of: dt.date | None,
    mapping: Mapping | None,
    max_file_mb: float | None,
    digest: str | Callable[[], str],
    today: dt.date | None,
    work_items: WorkItemImport | None,
    connecting: _Connecting,
    managers: bool,
    preview: bool,
    uploader: str,
    placing: list[Callable[[Issue], Issue]],
) -> Outcome:
    mapping = (mapping or Mapping()).for_uploader(uploader)
    imported: list[Issue] = []
    if work_items is not None or sniff_layout(file_name, data):
        converted = _import_work_items(file_name, data, work_items or WorkItemImport(), max_file_mb)
        if isinstance(converted, Outcome):
            converted.as_of_date = as_of
            return converted
        data, mapping, imported, place = converted
        placing.append(place)
    dayfirst = (mapping.date_order or current().ingest.date_order) == "dmy"
    try:
        sheets = isolate.read_upload(file_name, data, max_file_mb=max_file_mb)  # in a child, OS limits
    except RejectedFile as exc:
        return Outcome(REJECTED, new_report([exc.issue], {}), as_of)
    at_source: Callable[[Issue], Issue] = _at_source_cells(sheets) if mapping.layout == "columns" else _same
    if any(s.source_fields for s in sheets):
        placing.append(_at_plan_fields(sheets))

    today = today or clock.today()
    as_of_source = "the as-of date given"
    as_of_header = ""
    found = _as_of_from_columns(sheets)
    if as_of is not None and len(found) == 1:  # the week given, and the file's own column
        value = found.copy().pop()
        readings = {d for d in (_parse_date(value, dayfirst), _parse_date(value, not dayfirst)) if d}
        conflict = _as_of_conflict(sheets, value, readings, as_of, file_name)
        if conflict is not None:
            weeks = [d for d in readings if not as_of_problem(d, today)]
            file_week = weeks[0] if len(readings) == 1 and weeks else None
            return Outcome(REJECTED, new_report([conflict], {}), as_of, file_week=file_week)
    if as_of is None:
        if len(found) > 1:
            issue = Issue(
                ERROR,
                "as_of_conflict",
                f"The file's as-of column holds several dates "
                f"({', '.join(sorted(found)[:5])}). One upload reports one week: split "
                "it, or give the as-of date on the form.",
                file=file_name,
            )
            return Outcome(REJECTED, new_report([issue], {}), None)
        if found:
            value = found.pop()
            as_of_source, as_of_header = _as_of_header(sheets)
            # both readings: one date when it reads one way (13/11/2026, or 06.11.2026, which
            # is day first as dots are: queries/macros/epmo_date_clean.sql)
            as_of = _parse_date(value, dayfirst)
            other = _parse_date(value, not dayfirst)
            if (
                as_of is not None
                and other is not None
                and other != as_of
                and mapping.date_order is None
                and not as_of_problem(as_of, today)
                and not as_of_problem(other, today)  # both readings a week the upload could be for
            ):
                issue = Issue(
                    ERROR,
                    "as_of_ambiguous",
                    f"The as-of date '{value}' ({as_of_source}) reads as {as_of:%d %b %Y} or as "
                    f"{other:%d %b %Y}. Write it as YYYY-MM-DD ({as_of.isoformat()}), or give the "
                    "as-of date on the form.",
                    file=file_name,
                    column=as_of_header,
                    value=value,
                )
                return Outcome(REJECTED, new_report([issue], {}), None)
            if as_of is None:
                issue = Issue(
                    ERROR,
                    "as_of_invalid",
                    "The as-of column is not a date. Use YYYY-MM-DD.",
                    file=file_name,
                    value=value,
                )
                return Outcome(REJECTED, new_report([issue], {}), None)
        else:
            as_of = latest_reporting_day(today)
    problem = as_of_problem(as_of, today)
    if problem:
        issue = Issue(
            ERROR,
            "as_of_out_of_range",
            f"{problem} (from {as_of_source}.)",
            file=file_name,
            column=as_of_header,
            value=as_of.isoformat(),
        )
        return Outcome(REJECTED, new_report([issue], {}), None)

    mapped, issues = map_upload(sheets, mapping, dayfirst)
    issues = imported + [at_source(i) for i in issues]
    issues = [
        i
        for i in issues
        if not (i.rule == "unknown_column" and contract.normalise_header(i.column) in AS_OF_HEADERS)
    ]
    if not mapped and not any(i.severity == ERROR for i in issues):
        issues.append(
            Issue(
                ERROR,
                "no_tables",
                "No contract table was found in the upload. "
                "Use the template's sheet names and headers (projects, milestones, "
                "raid, allocations, capacity, financials).",
                file=file_name,
            )
        )
    counts = _row_counts(mapped)
    if not mapped:
        return Outcome(REJECTED, new_report(issues, counts), as_of)

    # Every cell is checked even when a header problem already rejects the upload (a
    # missing column, two columns meaning one): one round trip shows every problem.
    snap, con = connecting.take()
    try:
        if mapping.keep_current:
            kept = [_keep_current(con, m, as_of, mapping.name) for m in mapped]
            mapped = [m for m, _ in kept]
            issues += [i for _, said in kept for i in said]
        staged = stage(con, mapped)
        checked = [at_source(i) for i in run_checks(staged, as_of, mapped)]
        if store.scope is not None:
            checked = _related_outside_the_scope(store, checked)
        checked = _date_order_said(checked, mapping, dayfirst, file_name)
        skip: set[tuple[str, str, int]] = set()
        if mapping.skip_invalid_rows and not any(i.severity == ERROR for i in issues):
            checked, skip = _skip_invalid_rows(checked, mapping)
            counts = _row_counts(mapped, skip)
            if skip and not any(counts.values()):  # an accepted upload that stores nothing
                checked.append(
                    Issue(
                        ERROR,
                        "every_row_left_out",
                        f"Every row failed a check, and the mapping '{mapping.name}' leaves "
                        "such rows out: nothing would be stored. Fix the rows listed and "
                        "upload again.",
                        file=file_name,
                    )
                )
        issues += checked
        report = new_report(issues, counts)
        if not report.ok:
            return Outcome(REJECTED, report, as_of)
        if callable(digest):
            digest = digest()
        sources: dict[str, list[tuple[str, str]]] = {}
        for m in mapped:
            sources.setdefault(m.table, []).append((m.file, m.sheet))
        places = {(m.table, m.file, m.sheet, c): where for m in mapped for c, where in m.columns.items()}
        tables = typed_tables(staged, skip, {t for t, found in sources.items() if len(found) > 1})
        if digest:
            dup = duplicate_of(con, digest, as_of, tables)
            if dup:
                return Outcome(
                    VALID, report, as_of, duplicate_of=dup, store_key=snap.key, read_as=mapping.name
                )
        changes = _preview(con, as_of, staged.tables) if preview else {}
        pms, portfolios = access.owners_on(con) if managers and store.scope is None else (None, None)
    finally:
        con.close()
    return Outcome(
        VALID,
        report,
        as_of,
        tables=tables,
        preview=changes,
        store_key=snap.key,
        no_duplicate_of=digest,
        read_as=mapping.name,
        managers=pms,
        portfolios=portfolios,
        sources=sources,
        places=places,
    )


def _import_work_items(
    file_name: str, data: bytes, opts: WorkItemImport, max_file_mb: float | None = None
) -> Outcome | tuple[bytes, Mapping, list[Issue], Callable[[Issue], Issue]]:
    """A Jira or flow-tool export -> a work_items CSV for the ordinary path (or the
    Outcome that rejects it, with the importer's messages in the user's own headers), and
    what puts an issue of the converted rows back at the export's row, header and cell. The
    export (and its status history) is decoded and read in a child under OS limits."""
    try:
        result = isolate.import_work_items(
            file_name, data, opts.workflow, opts.layout, opts.project_id, opts.history, max_file_mb
        )
    except RejectedFile as exc:
        return Outcome(REJECTED, new_report([exc.issue], {}))
    if not result.ok:
        return Outcome(REJECTED, new_report(result.issues, {"work_items": len(result.rows)}))
    stem = PurePosixPath(file_name).stem
    mapping = Mapping(name=f"import:{result.layout}", tables={stem: "work_items"})

    def place(issue: Issue) -> Issue:
        """An issue at row k of the converted CSV (k - 2 its work item), under a work_items
        column: at the export's row and, for a column copied from one of its columns, under
        that header and in its cell."""
        if issue.file != file_name or issue.row is None or id(issue) in own:
            return issue  # another file's, or the importer's own (already at the export's cell)
        k = issue.row - 2
        if not 0 <= k < len(result.source_rows) or not result.source_rows[k]:
            return issue
        row = result.source_rows[k]
        header, letter = result.headers.get(issue.column, ("", ""))
        if issue.column == "project_id" and not header and opts.project_id:  # no column of the export
            header = f"project id given for the upload ({opts.project_id})"
        # a message naming another converted row (duplicate_key's "as row 2") names it too
        message = _OTHER_ROW.sub(lambda m: f"as row {exported(int(m.group(1)))}", issue.message)
        return replace(
            issue,
            row=row,
            column=header or issue.column,
            cell=f"{letter}{row}" if letter else "",
            message=message,
        )

    def exported(converted: int) -> int | str:
        k = converted - 2
        return result.source_rows[k] if 0 <= k < len(result.source_rows) else converted

    own = {id(i) for i in result.issues}
    return result.to_csv(), mapping, result.issues, place


def _row_counts(mapped: list[MappedSheet], skip: set[tuple[str, str, int]] | None = None) -> dict[str, int]:
    counts: dict[str, int] = {}
    for m in mapped:
        left_out = sum(1 for f, s, _r in skip or () if f == m.file and s == m.sheet)
        counts[m.table] = counts.get(m.table, 0) + m.data.num_rows - left_out
    return counts


def _date_order_said(issues: list[Issue], mapping: Mapping, dayfirst: bool, file_name: str) -> list[Issue]:
    """With the date order chosen in a saved mapping, the dates that read both ways are one
    warning saying the order used, not one per cell (without it, every such date is listed)."""
    if mapping.date_order is None:
        return issues
    ambiguous = [i for i in issues if i.rule == "date_ambiguous"]
    if not ambiguous:
        return issues
    order = "day first (dd/mm/yyyy)" if dayfirst else "month first (mm/dd/yyyy)"
    first = ambiguous[0]
    summary = Issue(
        WARNING,
        "date_ambiguous",
        f"Dates were read {order}, as the mapping '{mapping.name}' says: {len(ambiguous):,} of them "
        f"would read differently the other way (for example '{first.value}' in column "
        f"'{first.column}', cell {first.cell or '?'}).",
        file=file_name,
    )
    return [i for i in issues if i.rule != "date_ambiguous"] + [summary]


def _skip_invalid_rows(
    issues: list[Issue], mapping: Mapping
) -> tuple[list[Issue], set[tuple[str, str, int]]]:
    """The mapping's skip_invalid_rows: each row that fails an error-level rule is left out,
    its problems kept as warnings that say so."""
    skip = {(i.file, i.sheet, i.row) for i in issues if i.severity == ERROR and i.row is not None}
    out = []
    for i in issues:
        if i.severity == ERROR and i.row is not None:
            i = Issue(
                WARNING,
                i.rule,
                f"Row left out (the mapping '{mapping.name}' skips invalid rows): {i.message}",
                file=i.file,
                sheet=i.sheet,
                table=i.table,
                row=i.row,
                column=i.column,
                cell=i.cell,
                value=i.value,
            )
        out.append(i)
    return out, skip


KEPT = " (kept from the current report)"


def _keep_current(
    con: duckdb.DuckDBPyConnection, sheet: MappedSheet, as_of: dt.date, mapping: str = ""
) -> tuple[MappedSheet, list[Issue]]:
    """A projects sheet read with a keep_current mapping: each project the store knows takes
    its in-force report's value in every column the source does not give (absent, or made
    by the mapping's defaults), so a plan sent for an existing project neither moves it to
    the default portfolio nor makes up its RAG; a new project keeps the defaults. A stage
    the plan gives but the project keeps (_stage_forward_only) is a warning on its row."""
    if sheet.table != "projects" or "project_id" not in sheet.data.column_names:
        return sheet, []
    ids = [str(v) for v in pc.unique(sheet.data.column("project_id")).to_pylist() if v is not None]
    current = {
        str(r["project_id"]): r
        for r in sql.arrow(con, "ingest/current_projects", as_of=as_of, project_ids=ids).to_pylist()
    }
    if not current:
        return sheet, []
    t = contract.table("projects")
    data, columns = sheet.data, dict(sheet.columns)
    pids = [None if v is None else str(v) for v in data.column("project_id").to_pylist()]
    # a decimal-comma sheet's numbers are read with ',' for the decimals: the kept ones too
    commas = (
        data.column("_dec_comma").to_pylist()
        if "_dec_comma" in data.column_names
        else [False] * data.num_rows
    )
    data, held = _stage_forward_only(data, current, pids)
    said = [_stage_kept(sheet, data, k, pids[k], given, now, mapping) for k, given, now in held]
    for c in t.columns:
        given = columns.get(c.name)
        if c.name == "project_id" or (given is not None and not given[0].endswith(DEFAULTED)):
            continue
        before = data.column(c.name).to_pylist() if c.name in data.column_names else [""] * data.num_rows
        after = [
            _as_text(current[p][c.name], bool(comma))
            if p in current and current[p].get(c.name) is not None
            else b
            for p, b, comma in zip(pids, before, commas, strict=True)
        ]
        if after == before:
            continue
        values = pa.array(after, pa.string())
        if c.name in data.column_names:
            data = data.set_column(data.column_names.index(c.name), c.name, values)
        else:
            data = data.append_column(c.name, values)
        columns[c.name] = (f"{c.name}{KEPT}", "")
    return replace(sheet, data=data, columns=columns), said


def _stage_kept(
    sheet: MappedSheet, data: pa.Table, k: int, pid: str | None, given: str, now: str, mapping: str
) -> Issue:
    header, letter = sheet.columns.get("stage", ("stage", ""))
    row = data.column("_row")[k].as_py() if "_row" in data.column_names else None
    return Issue(
        WARNING,
        "stage_kept",
        f"Project {pid} stays '{now}': a plan read with the mapping '{mapping}' moves a project's "
        f"stage forward only, never back and never out of On hold or Cancelled. The project's "
        "own weekly report or the EPMO changes it; nothing to do if the stage is right.",
        file=sheet.file,
        sheet=sheet.sheet,
        table=sheet.table,
        row=row,
        column=header,
        cell=f"{letter}{row}" if letter and row is not None else "",
        value=given,
    )


def _stage_forward_only(
    data: pa.Table, current: dict[str, dict[str, Any]], pids: list[str | None]
) -> tuple[pa.Table, list[tuple[int, str, str]]]:
    """A keep_current source (a plan) knows progress, not governance: its stage moves a known
    project forward through the lifecycle (Planning to Execution, Execution to Closed), never
    back (a Closing project whose plan is at 90% stays Closing) and never out of "On hold" or
    "Cancelled", which only the project's own report or the EPMO sets. Also returns each
    row whose given stage was held back: (row index, the stage given, the stage kept)."""
    if "stage" not in data.column_names:
        return data, []
    order = {s: k for k, s in enumerate(contract.LIFECYCLE)}
    spelled = contract.enum_lookup(contract.table("projects").column("stage"))  # as the upload reads it
    before = data.column("stage").to_pylist()
    after = []
    held = []
    for k, (p, given) in enumerate(zip(pids, before, strict=True)):
        now = current.get(p or "", {}).get("stage")
        ahead = order.get(spelled.get(contract.normalise_value_key(str(given or "")), ""))
        if ahead is not None and now is not None and (now not in contract.LIFECYCLE or ahead < order[now]):
            after.append(str(now))
            held.append((k, str(given), str(now)))
        else:
            after.append(given)
    if after == before:
        return data, []
    return data.set_column(data.column_names.index("stage"), "stage", pa.array(after, pa.string())), held


def _as_text(value: object, decimal_comma: bool = False) -> str:
    """A stored value as the plain text the upload's reading gives back as it (a number
    with ',' for its decimals in a decimal-comma sheet)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, float):  # fixed point, never 1.5e-05 (which no number rule reads)
        from decimal import Decimal

        text = format(Decimal(repr(value)), "f")
        return text.replace(".", ",") if decimal_comma else text
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return str(value)


def _preview(con: object, as_of: dt.date, tables: list[str]) -> dict[str, object]:
    """What this upload changes against what is stored for its week: each project's report
    in force on its as-of date (an earlier upload of the same week, else its last report)."""
    previous = as_of
    return {
        "project_changes": _readable(
            sql.df(con, "ingest/preview_project_changes", previous_as_of=previous)  # type: ignore[arg-type]
        ),
        "row_changes": sql.df(con, "ingest/preview_row_changes", previous_as_of=previous, tables=tables),  # type: ignore[arg-type]
    }


def _readable(changes: pd.DataFrame) -> pd.DataFrame:
    """Before and after as a person reads them: dates as 27 Nov 2026, money in the portfolio's
    format, yes/no; the query compares the values' plain text (2026-11-27, 1250000.0, true)."""

    types = {c.name: c.type for c in contract.table("projects").columns}
    for col in ("before_value", "after_value"):
        changes[col] = [
            _value_text(types.get(str(f), contract.TEXT), str(f), v)
            for f, v in zip(changes["field"], changes[col], strict=True)
        ]
    return changes


def _value_text(kind: str, field: str, value: object) -> str | None:
    from epmo import labels

    if value is None or (isinstance(value, float) and value != value):
        return None
    text = str(value)
    try:
        if kind == contract.DATE:
            return labels.text(field, dt.date.fromisoformat(text))
        if kind in (contract.NUMBER, contract.INTEGER):
            return labels.text(field, float(text))
        if kind == contract.BOOLEAN:
            return {"true": "yes", "false": "no"}.get(text, text)
    except ValueError:
        pass
    return text


def _related_outside_the_scope(store: Store, issues: list[Issue]) -> list[Issue]:
    """A scoped identity validates on its scope, where a dependency on a project of another
    portfolio looks like one on a project nobody reported: that warning is dropped for a
    project the whole store knows (nothing about it is said)."""
    if not any(i.rule == "related_project_unknown" for i in issues):
        return issues
    known = set(access.project_owners(store)[1])  # read on the whole store
    return [i for i in issues if not (i.rule == "related_project_unknown" and i.value in known)]


def _permitted(
    store: Store, outcome: Outcome, identity: Identity | None, file_name: str, snap_key: str = ""
) -> Outcome:
    """The outcome, or a rejection naming every row `identity` may not submit. The project
    managers and portfolios the check found on the snapshot `snap_key` are used when it found
    them there."""
    if identity is not None and outcome.status == REJECTED and store.scope is not None:
        return _unknown_to_the_scope(store, outcome, identity, file_name)
    if identity is None or outcome.status != VALID:
        return outcome
    managers, portfolios = outcome.managers, outcome.portfolios
    if managers is None or portfolios is None or not snap_key or outcome.store_key != snap_key:
        managers, portfolios = access.project_owners(store)
    refusals = access.upload_refusals(identity, outcome.tables, managers, file_name, portfolios)
    if not refusals and not access.allowed(identity, "upload"):  # a duplicate carries no tables
        refusals = [Issue(ERROR, "not_allowed", access._forbidden_text(identity, "upload"), file=file_name)]
    if not refusals:
        return outcome
    rules = sorted({i.rule for i in refusals})
    access.log_refusal(
        identity, "upload", f"{file_name}: {counted(len(refusals), 'row')} refused ({', '.join(rules)})"
    )
    refusals = [_placed(i, outcome, file_name) for i in refusals]
    for place in outcome.placing:  # a Jira export's row and cell, not the converted CSV's
        refusals = [place(i) for i in refusals]
    return Outcome(REJECTED, new_report(refusals, outcome.report.row_counts), outcome.as_of_date)


def _placed(issue: Issue, outcome: Outcome, file_name: str) -> Issue:
    """A refusal of a row (access.upload_refusals names the table, row and contract column) at
    the row's file and sheet, under the column's header as the file spells it, with its cell."""
    found = outcome.sources.get(issue.table, [])
    if issue.sheet == "" and issue.file == file_name and len(found) == 1:
        issue = replace(issue, file=found[0][0], sheet=found[0][1])
    header, letter = outcome.places.get((issue.table, issue.file, issue.sheet, issue.column), ("", ""))
    if not header:
        return issue
    return replace(issue, column=header, cell=f"{letter}{issue.row}" if letter and issue.row else "")


def _unknown_to_the_scope(store: Store, outcome: Outcome, identity: Identity, file_name: str) -> Outcome:
    """A scoped identity validates on its scope, so a row naming a project of the store that
    lies outside it was reported as an unknown project. Say why it may not be submitted
    instead (the same refusal a projects row of it gets: access.upload_refusals), at the
    row's place in the file; the project's portfolio is not named."""
    unknown = {id(i) for i in outcome.report.issues if i.rule == "unknown_project" and i.value}
    if not unknown:
        return outcome
    managers, portfolios = access.project_owners(store)
    issues: list[Issue] = []
    refusals: set[str] = set()
    for issue in outcome.report.issues:
        if id(issue) in unknown and issue.value in managers:
            row = pa.table({"project_id": [issue.value], "_row": pa.array([issue.row], pa.int64())})
            refused = access.upload_refusals(identity, {issue.table: row}, managers, file_name, portfolios)
            if refused and refused[0].row is not None:  # a row refused, not the whole upload
                issue = replace(issue, rule=refused[0].rule, message=refused[0].message)
                refusals.add(issue.rule)
        issues.append(issue)
    if refusals:
        access.log_refusal(identity, "upload", f"{file_name}: rows refused ({', '.join(sorted(refusals))})")
    report = new_report(issues, outcome.report.row_counts)
    report.truncated = outcome.report.truncated
    return replace(outcome, report=report)


def commit(
    store: Store,
    outcome: Outcome,
    file_name: str,
    data: bytes,
    user_email: str = "",
    mapping: Mapping | None = None,
    note: str = "",
    today: dt.date | None = None,
    work_items: WorkItemImport | None = None,
    identity: Identity | None = None,
    digest: str = "",
) -> Outcome:
    """Commit an upload that check_upload found valid, without validating it again.

    `digest`: the data's sha256 when the caller has it (else it is computed here).

    With `identity`, the rows are checked against what it may submit (epmo/access.py) here,
    whatever the caller checked before, and the upload is recorded under its email.

    Only what can change between the check and the commit is checked again: when the store
    has moved on since (another upload, a retraction), the checks that read the store may
    answer differently, so the upload is checked again on the new snapshot; either way the
    same file already accepted for the same week (a duplicate) is looked for on the store as
    it is now."""
    if outcome.status != VALID:
        raise ValueError(f"only a valid upload can be committed, not one {outcome.status}")
    outcome = replace(outcome)  # the caller's outcome (a page keeps it) stays as validated
    if identity is not None:
        user_email = identity.email
    digest = digest or sha256(data)
    snap = store.snapshot()
    if outcome.store_key != snap.key:  # the store moved on: the store-reading checks again
        outcome = check_upload(
            store,
            file_name,
            data,
            outcome.as_of_date,
            mapping,
            digest=digest,
            today=today,
            work_items=work_items,
            managers=identity is not None,
            preview=bool(outcome.preview),  # as the caller's outcome had it
            uploader=user_email,
        )
        if outcome.status != VALID:
            return _permitted(store, outcome, identity, file_name)  # a refusal's reasons, said as such
    outcome = _permitted(store, outcome, identity, file_name, snap.key)
    if outcome.status != VALID:
        return outcome
    # the check looked for this file in the ledger of this very snapshot: no second look
    looked = outcome.store_key == snap.key and outcome.no_duplicate_of == digest
    read_as = outcome.read_as or mapping_name(mapping, work_items)
    assert outcome.as_of_date is not None
    if not outcome.duplicate_of and not looked:
        con = store.connect(snap)
        try:
            outcome.duplicate_of = duplicate_of(con, digest, outcome.as_of_date, outcome.tables)
        finally:
            con.close()
    if outcome.duplicate_of:
        outcome.status = DUPLICATE
        return outcome
    prepared = PreparedUpload(
        as_of_date=outcome.as_of_date,
        tables=outcome.tables,
        file_name=file_name,
        sha256=digest,
        user_email=user_email,
        mapping_name=read_as,
        note=note,
    )
    with audit.acting(identity) if identity is not None else contextlib.nullcontext():
        store.commit([prepared])
    maintenance.after_commit(store)  # only if due, and only if no one else is maintaining
    outcome.status = ACCEPTED
    outcome.upload_id = prepared.upload_id
    return outcome


def ingest(
    store: Store,
    file_name: str,
    data: bytes,
    as_of: dt.date | None = None,
    user_email: str = "",
    mapping: Mapping | None = None,
    dry_run: bool = False,
    max_file_mb: float | None = None,
    note: str = "",
    today: dt.date | None = None,
    work_items: WorkItemImport | None = None,
    identity: Identity | None = None,
) -> Outcome:
    """Validate and, if it passes and this is not a dry run, commit atomically.

    A Jira or flow-tool export (detected from its header row, or `work_items` given) goes
    through the work-item importer first (epmo/importers). With `identity`, the upload is
    recorded under its email and every row must be one it may submit (epmo/access.py:
    a pm's own projects or new ones); otherwise it is refused row by row, nothing stored."""
    if identity is not None:
        user_email = identity.email
    if dry_run:  # also says when this very file is stored for the week already (duplicate_of)
        outcome = check_upload(
            store,
            file_name,
            data,
            as_of,
            mapping,
            max_file_mb,
            digest=_Hashing(data),
            today=today,
            work_items=work_items,
            managers=identity is not None,
            uploader=user_email,
        )
        return _permitted(store, outcome, identity, file_name, outcome.store_key)
    digest = _Hashing(data)  # while the parse child reads the file
    outcome = check_upload(
        store,
        file_name,
        data,
        as_of,
        mapping,
        max_file_mb,
        digest=digest,
        today=today,
        work_items=work_items,
        managers=identity is not None,
        preview=False,  # validated and committed in one go: no one is shown the changes
        uploader=user_email,
    )
    if outcome.status != VALID:
        return _permitted(store, outcome, identity, file_name)  # a refusal's reasons, said as such
    # commit checks what `identity` may submit (_permitted), on the snapshot it commits to
    return commit(
        store,
        outcome,
        file_name,
        data,
        user_email,
        mapping,
        note,
        today,
        work_items,
        identity,
        digest=digest(),
    )
