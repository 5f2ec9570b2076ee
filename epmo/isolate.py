"""Uploads are parsed in a child process with operating-system limits.

`read_upload` here is `epmo.readers.read_upload` run in a separate process, never forked
from the server (forking a process that runs Streamlit's threads is unsafe): forked from
this process's fork server (`python -m epmo.isolate --fork-server`, which has done the
imports once; see "the fork server" below), or started alone with `python -m epmo.isolate`
(the CLI, or where the fork server cannot be had). Before it parses anything the child
limits itself with
`setrlimit`: address space (`limits.parse_memory_mb` beyond what the child already maps,
so it reads nothing before: a read makes Arrow's allocator reserve a 1 GiB arena there),
CPU time (`limits.parse_cpu_seconds`; SIGXCPU, then SIGKILL two seconds later), no core
dumps and no file writes. The parent kills it after max(10, 4 x the CPU limit) + 10 seconds
of wall-clock time (a loaded machine gives a child less than a core).
Whatever a parser does on a hostile file (allocate 512 GiB, abort, loop, crash), only the
child dies; the parent maps how it died to a RejectedFile with a clear message.

The hand-over goes through two anonymous shared-memory files (Linux `memfd_create`), given
to the child when it starts (`pass_fds`), never through the pipe: the parent writes the
job's file bytes into the first (one copy; the job pickled on stdin only says where), and
the child writes its answer's Arrow IPC streams into the second, which the parent sizes
(sparse) to the memory limit beforehand and the child maps before it limits itself (an
answer that does not fit is the memory rejection). On stdout comes only a length-prefixed
JSON header (status, sheet names, headers, first row, where each stream lies). Once the
child has exited the parent seals the file against writes (which fails while any process
still maps it writable) and maps it read-only: the sheets are Arrow tables over that memory,
no copy, validated in full. Both files are anonymous: when the last descriptor and mapping
go, so does the memory, whatever killed whom; nothing is left on any file system. Without
`memfd_create` (not Linux) the bytes go down the pipe and the streams come back up it.
The answer's file is outside the child's address-space limit, with a bound of its own (the
same size), so a child holds at most about twice `limits.parse_memory_mb`.

One stream per sheet, whose last column holds the row numbers. `import_work_items` runs
the work-item importer (a Jira or flow-tool export and its status history, epmo/importers)
the same way; its Imported comes back as the layout in the header and two streams, the
rows (the work_items columns, all text) and the issues (the Issue fields), checked against
those schemas. Nothing the child returns is unpickled (a parser bug must not become code
execution in the server); the job sent to the child is pickled (parent -> child only).

The fork server is started ahead (`limits.parse_prestart`; without `limits.parse_fork_server`
a spare child is, and waits for its single job), so an upload does not wait for Python and
pyarrow to start; each child parses one file and exits, so limits never carry over. Cost on
a normal weekly upload: `bench/parse_sandbox.py`.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import importlib
import json
import logging
import mmap
import os
import pickle
import selectors
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from typing import Any, TypeVar

import pyarrow as pa
import pyarrow.ipc as ipc

from epmo import childproc
from epmo.importers.jira import LAYOUTS, OUT_COLUMNS, Imported
from epmo.readers import EXCEL_ERRORS, RawSheet
from epmo.report import ERROR, WARNING, Issue, RejectedFile
from epmo.settings import current, settings
from epmo.workflow import Workflow

READ_UPLOAD = "epmo.readers:read_upload"
IMPORT_WORK_ITEMS = "epmo.importers:import_work_items"
SHEETS, IMPORTED = "sheets", "imported"  # what the target returns: list[RawSheet] or Imported
ROWS = "__rows"  # the row-number column appended to each sheet's table on the way back
_LEN = struct.Struct(">Q")
_SHARED = hasattr(os, "memfd_create")  # the hand-over through shared memory (Linux)
_OUT_SLACK_MB = 16  # the answer's file: the memory limit plus this (IPC framing, small sheets)
_SEALS = (fcntl.F_SEAL_WRITE | fcntl.F_SEAL_GROW | fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_SEAL) if _SHARED else 0
log = logging.getLogger(__name__)
_ISSUE_FIELDS = {f.name for f in fields(Issue)}
# An Imported comes back as two Arrow tables: its rows (the contract's work_items columns, all
# text) and its issues (one row per Issue).
_SOURCE_ROW = "__source_row"  # each work item's row in the export (Imported.source_rows)
_ROWS_SCHEMA = pa.schema(
    [pa.field(c, pa.string(), nullable=False) for c in OUT_COLUMNS]
    + [pa.field(_SOURCE_ROW, pa.int64(), nullable=False)]
)
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
    max_file_mb: float | None = None,
) -> Imported:
    """`epmo.importers.import_work_items` (a Jira or flow-tool export, and the optional
    status-history file, decoded and read as CSV) in a child process under OS limits.
    `max_file_mb` overrides limits.max_file_mb, as for read_upload (`ingest --max-file-mb`)."""
    if layout is not None and layout not in LAYOUTS:  # the caller's mistake, not the file's
        raise ValueError(f"unknown layout {layout!r}; choose one of {', '.join(LAYOUTS)}")
    limit_mb = float(max_file_mb if max_file_mb is not None else current().limits.max_file_mb)
    too_big = max(len(data), len(history[1]) if history else 0) > limit_mb * 1_000_000
    if not data or too_big:
        from epmo import importers  # refuses on the length alone (the export or its history); no child

        return importers.import_work_items(file_name, data, wf, layout, project_id, history, max_file_mb)
    return run_import(
        IMPORT_WORK_ITEMS, file_name, data, wf, layout, project_id, history, max_file_mb, file=file_name
    )


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
    try:
        child = _take_child()
    except OSError as exc:
        raise _unavailable(file, exc) from None
    try:
        try:
            job = _job(child, target, args, reply, limits)
        except OSError as exc:  # no memory for the shared file: the child is not needed
            child.proc.kill()
            child.proc.communicate()
            raise _unavailable(file, exc) from None
        try:
            out, err = child.proc.communicate(job, timeout=limits.wall_seconds)
        except subprocess.TimeoutExpired:
            child.proc.kill()
            child.proc.communicate()
            raise _time_rejection(file, limits, wall=True) from None
        code = child.proc.returncode
        assert code is not None  # communicate returns once the child has ended
        return _result(file, limits, code, out, err, decode, child.out_fd)
    finally:
        child.close_fds()


def _job(child: _Child, target: str, args: tuple[Any, ...], reply: str, limits: Limits) -> bytes:
    """The pickled job; with shared memory, its bytes arguments written to the child's data
    file (the job says where) and the answer's file sized to the memory limit (sparse)."""
    sent = list(args)
    shared: list[tuple[int, int, int]] = []  # (argument index, offset, length)
    out_size = 0
    if child.data_fd is not None and child.out_fd is not None:
        offset = 0
        for index, arg in enumerate(args):
            if isinstance(arg, bytes) and arg:
                _write_all(child.data_fd, arg)
                shared.append((index, offset, len(arg)))
                sent[index] = None
                offset += len(arg)
        out_size = (limits.memory_mb + _OUT_SLACK_MB) * 1024 * 1024
        os.ftruncate(child.out_fd, out_size)
    return pickle.dumps(
        {
            "target": target,
            "args": tuple(sent),
            "reply": reply,
            "settings": settings(),
            "memory_mb": limits.memory_mb,
            "cpu_seconds": limits.cpu_seconds,
            "data_fd": child.child_fd(child.data_fd) if shared else None,
            "data_args": shared,
            "out_fd": child.child_fd(child.out_fd),
            "out_size": out_size,
        },
        protocol=pickle.HIGHEST_PROTOCOL,
    )


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


# --------------------------------------------------------------------------- parent side


def _rejected(file: str, rule: str, message: str) -> RejectedFile:
    return RejectedFile(Issue(ERROR, rule, message, file=file))


def _unavailable(file: str, exc: OSError) -> RejectedFile:
    return _rejected(
        file,
        "parse_unavailable",
        f"The server could not start the file reader ({type(exc).__name__}). Try again in a "
        "minute; if it keeps happening, tell an admin.",
    )


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
    out_fd: int | None = None,
) -> T:
    if code != 0:  # for the admin; the person gets the message below
        log.warning(
            "parse child for %r ended with %s: %s", file, code, err[-2000:].decode("utf-8", "replace")
        )
    if code < 0:
        sig = -code
        if sig == signal.SIGXCPU:
            raise _time_rejection(file, limits)
        # the allocator's last words, at the end or before a backtrace (RUST_BACKTRACE set)
        said = err[:4096] + err[-4096:]
        if sig == signal.SIGABRT and any(w in said for w in _MEMORY_WORDS):
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
            if "shared" in header:
                blobs = _mapped(header["shared"], out_fd)
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


def _mapped(spans: Any, fd: int | None) -> list[memoryview]:
    """The answer's streams in the shared file, read-only and without a copy. The child has
    exited; sealing the file against writes fails while any process still maps it writable
    (a stray process the child left), so nothing can change under the validated tables."""
    if fd is None or not isinstance(spans, list):
        raise ValueError("no shared answer")
    size = os.fstat(fd).st_size
    bounds = [(int(start), int(length)) for start, length in spans]
    if any(start < 0 or length <= 0 or start + length > size for start, length in bounds):
        raise ValueError("span outside the answer")
    fcntl.fcntl(fd, fcntl.F_ADD_SEALS, _SEALS)
    if not bounds:
        return []
    view = memoryview(mmap.mmap(fd, max(s + n for s, n in bounds), prot=mmap.PROT_READ))
    return [view[start : start + length] for start, length in bounds]


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
        ambiguous = {int(j): int(i) for j, i in meta.get("ambiguous_numbers", [])}
        if any(not (0 <= j < len(headers) and 0 <= i < table.num_rows) for j, i in ambiguous.items()):
            raise ValueError("ambiguous number outside the sheet")
        errors = {(int(i), int(j)): str(text) for i, j, text in meta.get("excel_errors", [])}
        if any(
            not (0 <= i < table.num_rows and 0 <= j < len(headers)) or text not in EXCEL_ERRORS
            for (i, j), text in errors.items()
        ):
            raise ValueError("unexpected excel error cell")
        fields = tuple(str(f) for f in meta.get("source_fields", []))
        source_rows = tuple(int(r) for r in meta.get("source_rows", []))
        if fields and len(fields) != len(headers) or source_rows and len(source_rows) != table.num_rows:
            raise ValueError("unexpected source fields")
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
                ambiguous_numbers=ambiguous,
                excel_errors=errors,
                source_fields=fields,
                source_rows=source_rows,
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
    sources = [int(r.pop(_SOURCE_ROW)) for r in rows]
    issues = [Issue(**raw) for raw in _table(blobs[1], _ISSUES_SCHEMA).to_pylist()]
    if any(i.severity not in (ERROR, WARNING) for i in issues):
        raise ValueError("bad issue")
    headers = header.get("headers", {})
    if not isinstance(headers, dict) or not all(
        c in OUT_COLUMNS and isinstance(v, list) and len(v) == 2 and all(isinstance(x, str) for x in v)
        for c, v in headers.items()
    ):
        raise ValueError("unexpected import headers")
    return Imported(str(layout), rows, issues, sources, {c: (v[0], v[1]) for c, v in headers.items()})


@dataclass
class _Child:
    """A parse child and, with shared memory, its two files: the job's bytes (written by the
    parent) and the answer (written by the child). A child started by this process got both
    under the same numbers; one forked by the fork server holds them as 3 and 4
    (`numbers`)."""

    proc: subprocess.Popen[bytes] | _Forked
    data_fd: int | None = None
    out_fd: int | None = None
    numbers: tuple[int, int] | None = None

    def child_fd(self, fd: int | None) -> int | None:
        """The number under which the child holds this process's descriptor `fd`."""
        if fd is None or self.numbers is None:
            return fd
        return self.numbers[0] if fd == self.data_fd else self.numbers[1]

    def close_fds(self) -> None:
        for fd in (self.data_fd, self.out_fd):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self.data_fd = self.out_fd = None
        if isinstance(self.proc, _Forked):
            self.proc.close()


# --------------------------------------------------------------------------- the fork server
#
# A child started with `python -m epmo.isolate` spends 0.3-0.4 CPU s on Python and its
# imports (pyarrow, numpy, python_calamine) before it reads a byte. A server process (the
# app, a test worker) instead starts one fork server, `python -m epmo.isolate --fork-server`,
# which imports all that once and then, for each job, forks a waiter, which forks the parse
# child and reports how it ended. The parse child is a fresh process all the same: its own
# address space (copied on write from the fork server's, which has never parsed anything),
# CPU time counted from zero, its own limits, one job, then it exits. The fork server holds
# one thread when it forks (it checks, and refuses to serve otherwise): a lock held by
# another thread would stay locked for ever in the child. Hence no OpenBLAS threads and no
# jemalloc background thread in it (`_FORK_ENV`), and no warm-up read (pyarrow's thread
# pool). The server is never forked: the fork server is started with fork+exec like any
# child.
#
# One job: this process sends the fork server, over a socket pair, the descriptors the
# child needs (a socket for the waiter's reports, the child's stdin, stdout and stderr
# pipes, the job's file and the answer's file). The waiter sends back the child's pid and a
# pidfd (so a kill at the deadline never reaches a reused pid), waits for the child and
# sends its exit status the way Popen gives it (minus the signal that killed it) and the CPU
# seconds it used. If the
# fork server cannot be had (it died, or refused), it is started again; after two failures
# in a row this process starts a child of its own for each upload, as without it.

_FORK = (
    _SHARED
    and hasattr(os, "pidfd_open")
    and hasattr(signal, "pidfd_send_signal")
    and hasattr(socket, "send_fds")
)
_FORK_ENV = {
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "JE_ARROW_MALLOC_CONF": "background_thread:false",
}
_FORK_FDS = 6  # the waiter's socket, stdin, stdout, stderr, the job's file, the answer's file
_CHILD_NUMBERS = (3, 4)  # where a forked child holds the job's file and the answer's file
_FORK_START_SECONDS = 60.0  # the fork server's own start (its imports) on a loaded machine
_FORK_REFUSED = 3  # the fork server's exit code when it holds more than one thread
_INT = struct.Struct(">i")
_ENDED = struct.Struct(">id")  # exit status as Popen gives it, CPU seconds the child used
forked_cpu_seconds = 0.0  # CPU the forked children of this process used, all told (benchmarks)


class _Forked:
    """A parse child forked by the fork server, with what `_run` uses of Popen: communicate
    (the job in; the reply, stderr and how it ended out), kill, poll, returncode."""

    def __init__(self, status: socket.socket, stdin: int, stdout: int, stderr: int) -> None:
        self.status = status
        self.pid: int | None = None
        self.pidfd: int | None = None
        self.returncode: int | None = None
        self._stdin: int | None = stdin
        self._input: memoryview | None = None
        self._out, self._err = stdout, stderr
        self._open = {stdout, stderr}
        self._read: dict[int, bytearray] = {stdout: bytearray(), stderr: bytearray()}

    def started(self, timeout: float) -> None:
        """Wait for the waiter's word that the child runs: its pid and a pidfd."""
        self.status.settimeout(timeout)
        msg, fds, _, _ = socket.recv_fds(self.status, 16, 1)
        if len(msg) != _INT.size or len(fds) != 1:
            for fd in fds:
                os.close(fd)
            raise OSError("the fork server did not start the parse child")
        (self.pid,) = _INT.unpack(msg)
        self.pidfd = fds[0]
        self.status.settimeout(None)

    def poll(self) -> int | None:
        return self.returncode

    def kill(self) -> None:
        if self.returncode is None and self.pidfd is not None:
            with contextlib.suppress(OSError):
                signal.pidfd_send_signal(self.pidfd, signal.SIGKILL)

    def communicate(self, input: bytes | None = None, timeout: float | None = None) -> tuple[bytes, bytes]:
        """As Popen.communicate: raises subprocess.TimeoutExpired at the deadline (call it
        again, after a kill, for the rest)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        if self._input is None:
            self._input = memoryview(input or b"")
        with selectors.DefaultSelector() as sel:
            if self._stdin is not None:
                if self._input:
                    sel.register(self._stdin, selectors.EVENT_WRITE)
                else:
                    self._close_stdin()
            for fd in self._open:
                sel.register(fd, selectors.EVENT_READ)
            if self.returncode is None:
                sel.register(self.status, selectors.EVENT_READ)
            while sel.get_map():
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    raise subprocess.TimeoutExpired("parse child", timeout or 0.0)
                for key, _ in sel.select(left):
                    if key.fileobj is self.status:
                        self._ended()
                        sel.unregister(self.status)
                    elif key.fd == self._stdin:
                        try:
                            self._input = self._input[os.write(key.fd, self._input[:65536]) :]
                        except BrokenPipeError:
                            self._input = memoryview(b"")
                        if not self._input:
                            sel.unregister(key.fd)
                            self._close_stdin()
                    else:
                        chunk = os.read(key.fd, 1 << 16)
                        if chunk:
                            self._read[key.fd] += chunk
                        else:
                            sel.unregister(key.fd)
                            self._open.discard(key.fd)
                            os.close(key.fd)
        return bytes(self._read[self._out]), bytes(self._read[self._err])

    def _ended(self) -> None:
        global forked_cpu_seconds
        msg = self.status.recv(16)
        if len(msg) == _ENDED.size:
            self.returncode, cpu = _ENDED.unpack(msg)
            with _lock:
                forked_cpu_seconds += cpu
        else:  # the waiter died without a word: the child goes too
            self.kill()
            self.returncode = -signal.SIGKILL

    def _close_stdin(self) -> None:
        if self._stdin is not None:
            with contextlib.suppress(OSError):
                os.close(self._stdin)
            self._stdin = None

    def close(self) -> None:
        self._close_stdin()
        for fd in self._open:
            with contextlib.suppress(OSError):
                os.close(fd)
        self._open.clear()
        if self.pidfd is not None:
            with contextlib.suppress(OSError):
                os.close(self.pidfd)
            self.pidfd = None
        self.status.close()


class _ForkServer:
    """This process's fork server (`python -m epmo.isolate --fork-server`)."""

    def __init__(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self.proc = childproc.start_module(
                "epmo.isolate",
                keep_stderr=False,
                pass_fds=(theirs.fileno(),),
                args=("--fork-server", str(theirs.fileno())),
                env=_FORK_ENV,
                talk=False,
            )
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()
        self.sock = ours
        self.send_lock = threading.Lock()

    def fork(self) -> _Child:
        """A new parse child, forked for one job; OSError when the fork server fails."""
        mine: list[int] = []  # closed if anything fails
        theirs: list[int] = []  # the child's ends: closed here once sent
        status = status_theirs = None
        try:
            data = os.memfd_create("epmo-upload", os.MFD_CLOEXEC)
            mine.append(data)
            out = os.memfd_create("epmo-parsed", os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
            mine.append(out)
            pipes = [os.pipe() for _ in range(3)]
            stdin, stdout, stderr = pipes[0][1], pipes[1][0], pipes[2][0]
            mine += [stdin, stdout, stderr]
            theirs += [pipes[0][0], pipes[1][1], pipes[2][1]]
            status, status_theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            with self.send_lock:
                socket.send_fds(self.sock, [b"job"], [status_theirs.fileno(), *theirs, data, out])
        except BaseException:
            for fd in mine:
                os.close(fd)
            if status is not None:
                status.close()
            raise
        finally:
            for fd in theirs:
                os.close(fd)
            if status_theirs is not None:
                status_theirs.close()
        proc = _Forked(status, stdin, stdout, stderr)
        try:
            proc.started(_FORK_START_SECONDS)
        except BaseException:
            proc.close()
            os.close(data)
            os.close(out)
            raise
        return _Child(proc, data, out, _CHILD_NUMBERS)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        self.sock.close()
        with contextlib.suppress(OSError):
            self.proc.kill()
        self.proc.wait()


_server: _ForkServer | None = None
_server_failures = 0  # in a row; at 2, this process starts its children itself
_MAX_SERVER_FAILURES = 2


def _forking() -> bool:
    return (
        _FORK
        and not _one_shot
        and _server_failures < _MAX_SERVER_FAILURES
        and current().limits.parse_fork_server
    )


def _start_server() -> None:
    """Start the fork server now if it is used and not running (called under _lock)."""
    global _server
    if _server is None and _forking():
        _server = _ForkServer()


def _fork_child() -> _Child | None:
    """A child forked by the fork server (started if there is none), or None when it cannot
    be had twice in a row (the caller starts a child of its own)."""
    global _server, _server_failures
    while True:
        with _lock:
            if not _forking():
                return None
            _start_server()
            server = _server
        assert server is not None
        try:
            child = server.fork()
        except OSError as exc:
            server.stop()
            refused = server.proc.returncode == _FORK_REFUSED
            with _lock:
                if _server is server:
                    _server = None
                    _server_failures += 1
                failures = _server_failures
            log.warning(
                "the parse fork server %s (%s); %s",
                "refused to serve: it holds more than one thread" if refused else "failed",
                exc,
                "starting it again" if failures < _MAX_SERVER_FAILURES else "starting each child alone",
            )
            continue
        with _lock:
            _server_failures = 0
        return child


# A spare child, started ahead and waiting for its one job.
_lock = threading.Lock()
_spare: _Child | None = None
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


def prestart() -> None:
    """With `limits.parse_prestart` on, start the fork server now (`limits.parse_fork_server`)
    or else a spare child, if there is none (a server's, or a benchmark's, first upload then
    does not wait for Python and pyarrow)."""
    global _spare
    with _lock:
        if not current().limits.parse_prestart or _one_shot:
            return
        if _forking():
            _start_server()  # each job is forked from it: no spare
        elif _spare is None:
            _spare = _start()


def _start() -> _Child:
    if not _SHARED:
        return _Child(childproc.start_module("epmo.isolate", keep_stderr=True))
    fds: list[int] = []
    try:
        fds.append(os.memfd_create("epmo-upload", os.MFD_CLOEXEC))
        fds.append(os.memfd_create("epmo-parsed", os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING))
        proc = childproc.start_module("epmo.isolate", keep_stderr=True, pass_fds=tuple(fds))
    except BaseException:
        for fd in fds:
            os.close(fd)
        raise
    return _Child(proc, fds[0], fds[1])


def _take_child() -> _Child:
    global _spare
    forked = _fork_child()
    if forked is not None:
        return forked
    with _lock:
        child, _spare = _spare, None
        if child is not None and child.proc.poll() is not None:
            child.proc.communicate()
            child.close_fds()
            child = None
        if child is None:
            child = _start()
        if current().limits.parse_prestart and not _one_shot and not _forking():
            _spare = _start()
    return child


@atexit.register
def _stop_spare() -> None:
    """Stop the spare child and the fork server (a test, or this process at exit)."""
    global _spare, _server
    with _lock:
        child, _spare = _spare, None
        server, _server = _server, None
    if server is not None:
        server.stop()
    if child is not None:
        child.proc.kill()
        child.proc.communicate()
        child.close_fds()


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
    args = list(job["args"])
    data_fd, out_fd = job.get("data_fd"), job.get("out_fd")
    if data_fd is not None and job.get("data_args"):
        with mmap.mmap(data_fd, 0, prot=mmap.PROT_READ) as data:
            for index, offset, length in job["data_args"]:
                args[index] = data[offset : offset + length]  # one copy, as bytes
    # the answer's file is mapped before the limits: it is not the parse's memory, and what
    # does not fit in it (the memory limit) is refused as too big
    out = mmap.mmap(out_fd, int(job["out_size"])) if out_fd is not None else None
    for fd in (data_fd, out_fd):
        if fd is not None:
            os.close(fd)
    # Arrow's thread pool, sized from OMP_NUM_THREADS, which the fork server's environment
    # sets to 1 (for OpenBLAS): the CSV parse then ran on one core (0.25-0.6 s for 1M rows,
    # against 0.17-0.2 s on two). The CPU limit counts every thread's time all the same.
    pa.set_cpu_count(len(os.sched_getaffinity(0)))
    _limit_self(int(job["memory_mb"]), float(job["cpu_seconds"]))  # imports done: only the parse counts
    sink = _Sink(out)
    try:
        result = target(*args)
        if job.get("reply", SHEETS) == IMPORTED:
            return _imported_reply(result, sink)
        return _sheets_reply(result, sink)
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


class _Sink:
    """Where the answer's Arrow streams go: the shared file (their spans in the header), or,
    without one, the reply after the header."""

    def __init__(self, out: mmap.mmap | None) -> None:
        self.writer = pa.FixedSizeBufferWriter(pa.py_buffer(out)) if out is not None else None
        self.spans: list[list[int]] = []
        self.blobs: list[bytes] = []

    def add(self, table: pa.Table) -> None:
        if self.writer is None:
            self.blobs.append(_ipc(table))
            return
        start = self.writer.tell()
        try:
            with ipc.new_stream(self.writer, table.schema) as writer:
                writer.write_table(table)
        except OSError as exc:  # "Write out of bounds": the answer is bigger than the limit
            raise MemoryError(str(exc)) from None
        self.spans.append([start, self.writer.tell() - start])

    def reply(self, **header: Any) -> bytes:
        if self.writer is not None:
            header["shared"] = self.spans
        return _frame([_header(**header), *self.blobs])


def _sheets_reply(sheets: list[RawSheet], sink: _Sink) -> bytes:
    metas: list[dict[str, Any]] = []
    for s in sheets:
        sink.add(s.data.append_column(ROWS, s.rows))
        metas.append(
            {
                "file": s.file,
                "sheet": s.sheet,
                "headers": s.headers,
                "header_row": s.header_row,
                "decimal_comma": s.decimal_comma,
                "skipped": s.skipped,
                "ambiguous_numbers": sorted(s.ambiguous_numbers.items()),
                "excel_errors": sorted([i, j, text] for (i, j), text in s.excel_errors.items()),
                "source_fields": list(s.source_fields),
                "source_rows": list(s.source_rows),
            }
        )
    return sink.reply(status="ok", sheets=metas)


def _imported_reply(result: Imported, sink: _Sink) -> bytes:
    sources = result.source_rows or [0] * len(result.rows)
    rows = pa.table(
        [pa.array([r.get(c, "") for r in result.rows], pa.string()) for c in OUT_COLUMNS]
        + [pa.array(sources, pa.int64())],
        schema=_ROWS_SCHEMA,
    )
    issues = pa.table(
        [
            pa.array([getattr(i, f) for i in result.issues], _ISSUES_SCHEMA.field(f).type)
            for f in _ISSUES_SCHEMA.names
        ],
        schema=_ISSUES_SCHEMA,
    )
    sink.add(rows)
    sink.add(issues)
    return sink.reply(
        status="ok", layout=result.layout, headers={c: list(v) for c, v in result.headers.items()}
    )


class _NoPandas:
    """An import finder that says pandas is not installed (the parse child needs none)."""

    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        if name == "pandas" or name.startswith("pandas."):
            raise ModuleNotFoundError(f"No module named {name!r} in the parse child", name=name)


def _imports() -> None:
    """Import what a parse needs (python_calamine, pyarrow's compute and CSV modules...)
    before the job arrives, so the job pays only for its own work."""
    import pyarrow.compute  # noqa: F401
    import pyarrow.csv  # noqa: F401
    import python_calamine  # noqa: F401

    from epmo import readers  # noqa: F401


def _one_job() -> None:
    """Read the pickled job on stdin, answer on stdout, exit."""
    reply = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # stray prints go to stderr, never into the reply
    raw = sys.stdin.buffer.read()
    if not raw:
        os._exit(0)  # a spare the server no longer needs
    job = pickle.loads(raw)
    try:
        answer = _answer(job)
    except MemoryError:
        answer = _frame([_header(status="memory")])
    reply.write(answer)
    reply.flush()
    os._exit(0)


def _fork_server(fd: int) -> None:
    """The fork server's loop (see "the fork server" above): one waiter per job, until the
    process that started it closes its end."""
    sock = socket.socket(fileno=fd)
    if len(os.listdir("/proc/self/task")) != 1:
        os._exit(_FORK_REFUSED)  # a fork would copy another thread's locks, held for ever
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps the waiters
    while True:
        try:
            msg, fds, _, _ = socket.recv_fds(sock, 16, _FORK_FDS)
        except OSError:
            os._exit(0)
        if not msg and not fds:
            os._exit(0)  # the process that started it has gone
        if len(fds) != _FORK_FDS:
            for f in fds:
                os.close(f)
            continue
        try:
            pid = os.fork()
        except OSError:
            pid = -1  # closing the descriptors tells the parent
        if pid == 0:
            try:
                sock.close()
                _waiter(*fds)
            finally:
                os._exit(70)
        for f in fds:
            os.close(f)


def _waiter(status_fd: int, stdin: int, stdout: int, stderr: int, data: int, out: int) -> None:
    """Fork the parse child, send its pid and pidfd, wait for it, send how it ended."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    pid = os.fork()
    if pid == 0:
        try:
            os.close(status_fd)
            _forked_child(stdin, stdout, stderr, data, out)
        finally:
            os._exit(70)
    for f in (stdin, stdout, stderr, data, out):
        os.close(f)
    status = socket.socket(fileno=status_fd)
    pidfd = os.pidfd_open(pid)
    try:
        socket.send_fds(status, [_INT.pack(pid)], [pidfd])
    except OSError:  # the parent has gone: the child finds its stdin closed and exits
        os._exit(0)
    os.close(pidfd)
    _, wait, usage = os.wait4(pid, 0)
    with contextlib.suppress(OSError):
        status.send(_ENDED.pack(os.waitstatus_to_exitcode(wait), usage.ru_utime + usage.ru_stime))
    os._exit(0)


def _forked_child(stdin: int, stdout: int, stderr: int, data: int, out: int) -> None:
    """The parse child: its pipes as 0, 1, 2, the job's file as 3, the answer's as 4, no
    other descriptor of the fork server; then the job, as a child started alone does it."""
    given = (stdin, stdout, stderr, data, out)
    moved = [fcntl.fcntl(f, fcntl.F_DUPFD_CLOEXEC, 10) for f in given]
    for f in given:
        os.close(f)
    for number, f in enumerate(moved):
        os.dup2(f, number)
        os.close(f)
    os.closerange(len(moved), os.sysconf("SC_OPEN_MAX"))
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    _one_job()


def main() -> None:
    sys.dont_write_bytecode = True
    # pyarrow imports pandas on its first conversion of a Python value (to ask whether it is
    # a pandas object): 0.4 CPU s of a 0.8 s start. No reader needs pandas; without it
    # pyarrow answers "no" itself.
    sys.meta_path.insert(0, _NoPandas())
    if sys.argv[1:2] == ["--fork-server"]:
        _imports()
        _fork_server(int(sys.argv[2]))
        return
    _imports()  # and no read before the limit (the module doc says why)
    _one_job()


if __name__ == "__main__":
    main()
