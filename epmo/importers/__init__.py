"""Importers: a team's own export -> the contract's work_items table.

Each importer turns a foreign file into rows of work_items (contract column names, ISO
dates) and a list of issues that say, in the user's own headers and row numbers, what
could not be read. The rows then go through the ordinary upload path (mapping, staging,
the checks in queries/checks/, the commit), so an imported backlog is validated and
superseded like any other table. See epmo/importers/jira.py for the layouts.

The server never runs `import_work_items` on an upload itself: `epmo.ingest` calls
`epmo.isolate.import_work_items`, which runs it in the parse child under OS limits. Only
`sniff_layout` runs in the server, on the first 64 KB of the file.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from epmo.importers.jira import LAYOUTS, Imported, detect_layout, import_work_items, parse_when
from epmo.workflow import Workflow


@dataclass
class WorkItemImport:
    """How to read a work-item export: the layout (None: detect it), the team's workflow,
    one EPMO project id for the whole file (else the workflow's project_keys), and an
    optional status-history file (name, bytes) for exact start and done dates."""

    layout: str | None = None
    workflow: Workflow | None = None
    project_id: str | None = None
    history: tuple[str, bytes] | None = None


def sniff_layout(file_name: str, data: bytes) -> str | None:
    """The layout of a CSV whose header row is a Jira or flow-tool export, else None.
    Bounded (it runs in the server): only the first 64 KB is decoded, one line parsed."""
    if not file_name.lower().endswith((".csv", ".txt", ".tsv")) or data[:2] == b"PK":
        return None
    from epmo.readers import decode_text
    from epmo.report import RejectedFile

    text = None
    # the 64 KB cut may split a character (UTF-8 takes up to 4 bytes): drop up to 3 bytes
    for cut in range(4 if len(data) > 65536 else 1):
        try:
            text, _enc = decode_text(file_name, data[: 65536 - cut])
            break
        except RejectedFile:
            continue
    if text is None:
        return None
    line = text.split("\n", 1)[0]
    # the delimiter as the importer reads it (a German Excel writes semicolons)
    delimiter = (
        ";"
        if line.count(";") > max(line.count(","), line.count("\t"))
        else "\t"
        if line.count("\t") > line.count(",")
        else ","
    )
    try:
        first = next(csv.reader(io.StringIO(line), delimiter=delimiter), [])
    except csv.Error:
        return None
    return detect_layout(first) if first else None


__all__ = [
    "LAYOUTS",
    "Imported",
    "WorkItemImport",
    "detect_layout",
    "import_work_items",
    "parse_when",
    "sniff_layout",
]
