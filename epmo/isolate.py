"""Uploads are parsed in a child process with operating-system limits.

`read_upload` here is `epmo.readers.read_upload` run in a separate Python process (started
with `python -m epmo.isolate`, never forked from the server: forking a process that runs
Streamlit's threads is unsafe). Before it parses anything the child limits itself with
`setrlimit`: address space (`limits.parse_memory_mb` beyond what the child already maps),
CPU time (`limits.parse_cpu_seconds`; SIGXCPU, then SIGKILL two seconds later), no core
dumps and no file writes. The parent kills it after max(10, 4 x the CPU limit) + 10 seconds
of wall-clock time (a loaded machine gives a child less than a core).
Whatever a parser does on a hostile file (allocate 512 GiB, abort, loop, crash), only the
child dies; the parent maps how it died to a RejectedFile with a clear message.

The sheets come back as Arrow IPC streams through a pipe: a length-prefixed JSON header
(status, sheet names, headers, first row) and one stream per sheet whose last column holds
the row numbers. `import_work_items` runs the work-item importer (a Jira or flow-tool
export and its status history, epmo/importers) the same way; its Imported comes back as
the layout in the header and two streams, the rows (the work_items columns, all text) and
the issues (the Issue fields), checked against those schemas. Nothing the child returns is unpickled (a parser bug must not become code
execution in the server); the job sent to the child is pickled (parent -> child only).

One child is started ahead (`limits.parse_prestart`) and waits for its single job, so an
upload does not wait for Python and pyarrow to start; each child parses one file and exits,
so limits never carry over. Cost on a normal weekly upload: `bench/parse_sandbox.py`.
"""

from __future__ import annotations

import atexit
import importlib
import json
import logging
import os
import pickle
import signal
import struct
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from typing import Any, TypeVar

import pyarrow as pa
import pyarrow.ipc as ipc

from epmo import childproc
from epmo.importers.jira import LAYOUTS, OUT_COLUMNS, Imported
from epmo.readers import RawSheet
from epmo.report import ERROR, WARNING, Issue, RejectedFile
from epmo.settings import current, settings
from epmo.workflow import Workflow

READ_UPLOAD = "epmo.readers:read_upload"
IMPORT_WORK_ITEMS = "epmo.importers:import_work_items"
SHEETS, IMPORTED = "sheets", "imported"  # what the target returns: list[RawSheet] or Imported
ROWS = "__rows"  # the row-number column appended to each sheet's table on the way back
_LEN = struct.Struct(">Q")
log = logging.getLogger(__name__)
_ISSUE_FIELDS = {f.name for f in fields(Issue)}
# An Imported comes back as two Arrow tables: its rows (the contract's work_items columns, all
# text) and its issues (one row per Issue).
_ROWS_SCHEMA = pa.schema([pa.field(c, pa.string(), nullable=False) for c in OUT_COLUMNS])
_ISSUES_SCHEMA = pa.schema(
    [
        pa.field(f.name, pa.int64() if f.name == "row" else pa.string(), nullable=f.name == "row")
        for f in fields(Issue)
    ]
)
T = TypeVar("T")


@dataclass(frozen=True)
class Limits:
    memory_mb: int
    cpu_seconds: float
    wall: float | None = None  # default: max(10, 4 x cpu_seconds) + 10

    @property
    def wall_seconds(self) -> float:
        return self.wall if self.wall is not None else max(10.0, 4 * self.cpu_seconds) + 10

    @classmethod
    def from_settings(cls) -> Limits:
        limits = cls(current().limits.parse_memory_mb, float(current().limits.parse_cpu_seconds))
        if limits.memory_mb < 1 or limits.cpu_seconds <= 0:
            raise ValueError("limits.parse_memory_mb and limits.parse_cpu_seconds must be positive")
        return limits


def read_upload(name: str, data: bytes, max_file_mb: float | None = None) -> list[RawSheet]:
    """`epmo.readers.read_upload` in a child process under OS limits (see the module doc)."""
    limit_mb = float(max_file_mb if max_file_mb is not None else current().limits.max_file_mb)
    if not data or len(data) > limit_mb * 1_000_000:
        from epmo import readers  # refuses on the length alone; not worth a child

        return readers.read_upload(name, data, max_file_mb)
    return run(READ_UPLOAD, name, data, max_file_mb, file=name)


def run(target: str, *args: Any, file: str, limits: Limits | None = None) -> list[RawSheet]:
    """Call `target` ("module:function", returning RawSheets) with `args` in a child process.

    Raises RejectedFile (rule, message for the person who uploaded `file`) when the target
    refused the file or the child ran out of memory or time, crashed or returned nonsense.
    """
    return _run(target, args, file, limits, SHEETS, _sheets)


def import_work_items(
    file_name: str,
    data: bytes,
    wf: Workflow | None = None,
    layout: str | None = None,
    project_id: str | None = None,
    history: tuple[str, bytes] | None = None,
) -> Imported:
    """`epmo.importers.import_work_items` (a Jira or flow-tool export, and the optional
    status-history file, decoded and read as CSV) in a child process under OS limits."""
    if layout is not None and layout not in LAYOUTS:  # the caller's mistake, not the file's
        raise ValueError(f"unknown layout {layout!r}; choose one of {', '.join(LAYOUTS)}")
    limit_mb = float(current().limits.max_file_mb)
    if not data or len(data) > limit_mb * 1_000_000:
        from epmo import importers  # refuses on the length alone; not worth a child

        return importers.import_work_items(file_name, data, wf, layout, project_id, history)
    return run_import(IMPORT_WORK_ITEMS, file_name, data, wf, layout, project_id, history, file=file_name)


def run_import(target: str, *args: Any, file: str, limits: Limits | None = None) -> Imported:
    """Call `target` ("module:function", returning an Imported) with `args` in a child process.
    Raises RejectedFile as `run` does."""
    return _run(target, args, file, limits, IMPORTED, _imported)


def _run(
    target: str,
    args: tuple[Any, ...],
    file: str,
    limits: Limits | None,
    reply: str,
    decode: Callable[[dict[str, Any], list[memoryview]], T],
) -> T:
    limits = limits or Limits.from_settings()
    job = pickle.dumps(
        {
            "target": target,
            "args": args,
            "reply": reply,
            "settings": settings(),
            "memory_mb": limits.memory_mb,
            "cpu_seconds": limits.cpu_seconds,
        },
        protocol=pickle.HIGHEST_PROTOCOL,
    )
    try:
        proc = _take_child()
    except OSError as exc:
        raise _rejected(
            file,
            "parse_unavailable",
            f"The server could not start the file reader ({type(exc).__name__}). Try again in a "
            "minute; if it keeps happening, tell an admin.",
        ) from None
    try:
        out, err = proc.communicate(job, timeout=limits.wall_seconds)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise _time_rejection(file, limits, wall=True) from None
    return _result(file, limits, proc.returncode, out, err, decode)


# --------------------------------------------------------------------------- parent side


def _rejected(file: str, rule: str, message: str) -> RejectedFile:
    return RejectedFile(Issue(ERROR, rule, message, file=file))


def _memory_rejection(file: str, limits: Limits) -> RejectedFile:
    return _rejected(
        file,
        "parse_memory",
        f"This file needs more memory than an upload may use ({limits.memory_mb:,} MB) and was "
        "not read. Workbooks usually get there through values or formatting far beyond the "
        "data, or long texts repeated in many cells: delete the empty rows and columns beyond "
        "your data and save again, or split the upload into smaller files. (An admin can raise "
        "limits.parse_memory_mb.)",
    )


def _time_rejection(file: str, limits: Limits, wall: bool = False) -> RejectedFile:
    what = f"{limits.wall_seconds:g} seconds" if wall else f"{limits.cpu_seconds:g} seconds of processing"
    return _rejected(
        file,
        "parse_time",
        f"Reading this file took more than {what}, the limit for an upload, and was stopped. "
        "Split it into smaller uploads (for example one per table), or save it again as CSV. "
        "(An admin can raise limits.parse_cpu_seconds.)",
    )


def _crash_rejection(file: str, how: str) -> RejectedFile:
    return _rejected(
        file,
        "parse_crashed",
        f"The file could not be read: the reader stopped unexpectedly ({how}). Open it in "
        "Excel and save it again as .xlsx, or export it as CSV.",
    )


_MEMORY_WORDS = (b"memory allocation of", b"MemoryError", b"bad_alloc", b"out of memory", b"Cannot allocate")


def _result(
    file: str,
    limits: Limits,
    code: int,
    out: bytes,
    err: bytes,
    decode: Callable[[dict[str, Any], list[memoryview]], T],
) -> T:
    if code != 0:  # for the admin; the person gets the message below
        log.warning(
            "parse child for %r ended with %s: %s", file, code, err[-2000:].decode("utf-8", "replace")
        )
    if code < 0:
        sig = -code
        if sig == signal.SIGXCPU:
            raise _time_rejection(file, limits)
        if sig == signal.SIGABRT and any(w in err[-4096:] for w in _MEMORY_WORDS):
            raise _memory_rejection(file, limits)
        if sig == signal.SIGKILL:  # the hard CPU limit, or the kernel out of memory
            raise _rejected(
                file,
                "parse_killed",
                "Reading this file was stopped by the operating system: it needed more memory "
                f"or time than an upload may use ({limits.memory_mb:,} MB, "
                f"{limits.cpu_seconds:g} s). Split it into smaller uploads, or delete the empty "
                "rows and columns beyond your data and save again.",
            )
        raise _crash_rejection(
            file, signal.Signals(sig).name if sig in signal.valid_signals() else f"signal {sig}"
        )
    try:
        header, blobs = _unframe(out)
        status = header.get("status")
        if status == "ok":
            return decode(header, blobs)
        if status == "rejected":
            raw = header["issue"]
            issue = Issue(**{k: v for k, v in raw.items() if k in _ISSUE_FIELDS})
            if not isinstance(issue.message, str) or issue.severity != ERROR:
                raise ValueError("bad issue")
            raise RejectedFile(issue)
        if status == "memory":
            raise _memory_rejection(file, limits)
        if status == "error":
            raise _crash_rejection(file, str(header.get("error", ""))[:200])
        raise ValueError(f"unknown status {status!r}")
    except RejectedFile:
        raise
    except Exception:  # a truncated or damaged reply: the child died while answering
        raise _crash_rejection(file, f"exit code {code}" if code else "damaged reply") from None


def _unframe(out: bytes) -> tuple[dict[str, Any], list[memoryview]]:
    view = memoryview(out)
    parts: list[memoryview] = []
    pos = 0
    while pos < len(view):
        (n,) = _LEN.unpack_from(view, pos)
        pos += _LEN.size
        if pos + n > len(view):
            raise ValueError("truncated")
        parts.append(view[pos : pos + n])
        pos += n
    if not parts:
        raise ValueError("empty reply")
    header = json.loads(bytes(parts[0]))
    if not isinstance(header, dict):
        raise ValueError("bad header")
    return header, parts[1:]


def _sheets(header: dict[str, Any], blobs: list[memoryview]) -> list[RawSheet]:
    metas = header["sheets"]
    if len(metas) != len(blobs):
        raise ValueError("sheet count")
    sheets: list[RawSheet] = []
    for meta, blob in zip(metas, blobs, strict=True):
        table = ipc.open_stream(pa.py_buffer(blob)).read_all()
        table.validate(full=True)
        headers = [str(h) for h in meta["headers"]]
        expected = [f"c{j}" for j in range(table.num_columns - 1)] + [ROWS]
        if (
            table.column_names != expected
            or not all(t == pa.string() for t in table.schema.types[:-1])
            or table.schema.field(ROWS).type != pa.int64()
        ):
            raise ValueError("unexpected sheet schema")
        sheets.append(
            RawSheet(
                file=str(meta["file"]),
                sheet=str(meta["sheet"]),
                headers=headers,
                header_row=int(meta["header_row"]),
                data=table.drop_columns([ROWS]),
                rows=table[ROWS].combine_chunks(),
                decimal_comma=bool(meta["decimal_comma"]),
                skipped=str(meta.get("skipped", "")),
            )
        )
    return sheets


def _table(blob: memoryview, schema: pa.Schema) -> pa.Table:
    table = ipc.open_stream(pa.py_buffer(blob)).read_all()
    table.validate(full=True)
    if not table.schema.equals(schema):
        raise ValueError("unexpected schema")
    for name in schema.names:
        if not schema.field(name).nullable and table[name].null_count:
            raise ValueError("unexpected nulls")
    return table


def _imported(header: dict[str, Any], blobs: list[memoryview]) -> Imported:
    layout = header["layout"]
    if layout not in LAYOUTS or len(blobs) != 2:
        raise ValueError("unexpected import reply")
    rows = _table(blobs[0], _ROWS_SCHEMA).to_pylist()
    issues = [Issue(**raw) for raw in _table(blobs[1], _ISSUES_SCHEMA).to_pylist()]
    if any(i.severity not in (ERROR, WARNING) for i in issues):
        raise ValueError("bad issue")
    return Imported(str(layout), rows, issues)


# A spare child, started ahead and waiting for its one job.
_lock = threading.Lock()
_spare: subprocess.Popen[bytes] | None = None
_one_shot = False  # start_early: this process parses one file, no spare after it


def start_early() -> None:
    """For a process that reads one upload and exits (the CLI): start the child now, so its
    start and imports overlap the caller's own, and start no spare once it is taken (a
    spare would only be killed at exit, its imports wasted)."""
    global _spare, _one_shot
    with _lock:
        _one_shot = True
        if _spare is None:
            _spare = _start()


def _start() -> subprocess.Popen[bytes]:
    return childproc.start_module("epmo.isolate", keep_stderr=True)


def _take_child() -> subprocess.Popen[bytes]:
    global _spare
    with _lock:
        proc, _spare = _spare, None
        if proc is not None and proc.poll() is not None:
            proc.communicate()
            proc = None
        if proc is None:
            proc = _start()
        if current().limits.parse_prestart and not _one_shot:
            _spare = _start()
    return proc


@atexit.register
def _stop_spare() -> None:
    global _spare
    with _lock:
        proc, _spare = _spare, None
    if proc is not None:
        proc.kill()
        proc.communicate()


# --------------------------------------------------------------------------- child side


_limit_self = childproc.limit_self


def _frame(parts: list[bytes]) -> bytes:
    return b"".join(_LEN.pack(len(p)) + p for p in parts)


def _header(**value: Any) -> bytes:
    return json.dumps(value).encode()


def _out_of_memory(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, MemoryError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _answer(job: dict[str, Any]) -> bytes:
    from epmo import settings as settings_module

    values = job["settings"]
    settings_module.settings = lambda: values  # type: ignore[assignment]  # the parent's, overrides included
    module, _, name = str(job["target"]).partition(":")
    target: Callable[..., Any] = getattr(importlib.import_module(module), name)
    _limit_self(int(job["memory_mb"]), float(job["cpu_seconds"]))  # imports done: only the parse counts
    try:
        result = target(*job["args"])
        if job.get("reply", SHEETS) == IMPORTED:
            return _imported_reply(result)
        return _sheets_reply(result)
    except RejectedFile as exc:
        if _out_of_memory(exc):
            return _frame([_header(status="memory")])
        return _frame([_header(status="rejected", issue=asdict(exc.issue))])
    except MemoryError:
        return _frame([_header(status="memory")])
    except Exception as exc:
        return _frame([_header(status="error", error=type(exc).__name__)])
    except BaseException as exc:  # e.g. pyo3's PanicException (a Rust panic in the reader)
        if isinstance(exc, (SystemExit, KeyboardInterrupt)):
            raise
        return _frame([_header(status="error", error=type(exc).__name__)])


def _ipc(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return bytes(sink.getvalue().to_pybytes())


def _sheets_reply(sheets: list[RawSheet]) -> bytes:
    metas: list[dict[str, Any]] = []
    blobs: list[bytes] = []
    for s in sheets:
        blobs.append(_ipc(s.data.append_column(ROWS, s.rows)))
        metas.append(
            {
                "file": s.file,
                "sheet": s.sheet,
                "headers": s.headers,
                "header_row": s.header_row,
                "decimal_comma": s.decimal_comma,
                "skipped": s.skipped,
            }
        )
    return _frame([_header(status="ok", sheets=metas), *blobs])


def _imported_reply(result: Imported) -> bytes:
    rows = pa.table(
        [pa.array([r.get(c, "") for r in result.rows], pa.string()) for c in OUT_COLUMNS],
        schema=_ROWS_SCHEMA,
    )
    issues = pa.table(
        [
            pa.array([getattr(i, f) for i in result.issues], _ISSUES_SCHEMA.field(f).type)
            for f in _ISSUES_SCHEMA.names
        ],
        schema=_ISSUES_SCHEMA,
    )
    return _frame([_header(status="ok", layout=result.layout), _ipc(rows), _ipc(issues)])


def _warm_up() -> None:
    """Import what a parse needs (pyarrow imports pandas lazily, python_calamine...) before
    the job arrives, so the job pays only for its own work."""
    import pandas  # noqa: F401
    import pyarrow.compute  # noqa: F401
    import pyarrow.csv  # noqa: F401
    import python_calamine  # noqa: F401

    from epmo import readers

    try:
        readers.read_csv_bytes("warm-up.csv", b"a;b\n1,5;x\n")
    except RejectedFile:
        pass


def main() -> None:
    sys.dont_write_bytecode = True
    reply = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # stray prints go to stderr, never into the reply
    _warm_up()
    raw = sys.stdin.buffer.read()
    if not raw:
        return  # a spare the server no longer needs
    job = pickle.loads(raw)
    try:
        answer = _answer(job)
    except MemoryError:
        answer = _frame([_header(status="memory")])
    reply.write(answer)
    reply.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
