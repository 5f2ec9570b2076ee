"""The explorer's worker processes: one process per query, with operating-system limits.

DuckDB honours interrupt() only between chunks (one levenshtein of two 30,000-character
strings runs for seconds inside a chunk), and its memory_limit does not cover results handed
to Python. So every explorer query runs in a process of its own:

- started with `subprocess` (fork + exec of a fresh interpreter: nothing of the server's
  threads is copied), with a minimal environment (no credentials; HOME a path that does not
  exist, so DuckDB's own directories name nothing real);
- limited by `setrlimit`: RLIMIT_AS (address space, `address_space_limit`) and RLIMIT_CPU
  (the start and the time limit on every thread: a backstop should the server die);
- waited for at most `start_limit_seconds` to open its sandbox and then `time_limit_seconds`
  for the answer: at the deadline the parent SIGKILLs it and reaps it;
- after each query it closes its DuckDB database; a worker that answered in time may serve
  the next query (at most `worker_queries`, while its resident memory stays under
  `worker_rss_mb`), a worker killed or out of memory never does, and whatever a worker
  allocated goes back to the operating system when it exits. The server keeps only the
  capped result.

The worker fetches at most `row_cap` rows and `result_mb` of Arrow data and refuses a result
that holds a server path; it answers on a private pipe in frames (kind byte, 4-byte length,
payload): R (ready: imports done, connection prepared), S (sandbox open, the query starts), H (a JSON header: the outcome) and A (the rows
as Arrow IPC). The parent reads JSON and Arrow only (never pickle from the worker), and no
more bytes than the caps allow.

A small pool keeps `warm_workers` interpreters started with the heavy imports done (about
1.3 s of CPU each) and a connection prepared, so a query does not wait for Python to start; at most `max_workers`
queries run at once in one server process, and a query beyond that waits up to the time
limit for a slot, then is refused. The pool is per process and bounded; idle workers exit
with the server (their request pipe closes).
"""

from __future__ import annotations

import atexit
import datetime as dt
import gc
import json
import os
import pickle
import select
import signal
import struct
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from epmo import objectstore, sandbox
from epmo.settings import current, settings
from epmo.store import Snapshot

ROOT = str(Path(__file__).resolve().parent.parent)  # the folder holding the epmo package
NEUTRAL_HOME = "/nonexistent"
_FRAME = struct.Struct(">cI")
_HEADER_MAX = 1 << 20  # a JSON header is small; more is not a header
_ENV_KEEP = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR")
# Address space the limit need not pay for: pyarrow's jemalloc reserves about 1 GB up front
# (the system allocator does not), glibc a 64 MB arena per thread, OpenBLAS a thread per core.
_ENV_SET = {"ARROW_DEFAULT_MEMORY_POOL": "system", "MALLOC_ARENA_MAX": "2", "OPENBLAS_NUM_THREADS": "1"}
_BOOT = "import sys; sys.path.insert(0, sys.argv[1]); from epmo.sandbox_worker import main; sys.exit(main())"


@dataclass(frozen=True)
class Reply:
    table: pa.Table
    cut_rows: bool
    cut_bytes: bool
    seconds: float  # the query, from the sandbox opened to the answer
    pid: int


# --------------------------------------------------------------------------- the parent


class _Pool:
    """Warm worker processes (started, imports done, waiting for one request each)."""

    def __init__(self) -> None:
        self._idle: list[subprocess.Popen[bytes]] = []
        self._lock = threading.Lock()
        self._slots: threading.BoundedSemaphore | None = None
        self._slot_count = 0
        self.warm = False  # keep workers waiting only once asked to (the app, not a CLI run)
        self.last_pid = 0

    def slots(self) -> threading.BoundedSemaphore:
        count = max(current().explorer.max_workers, 1)
        with self._lock:
            if self._slots is None or self._slot_count != count:
                self._slots, self._slot_count = threading.BoundedSemaphore(count), count
            return self._slots

    def take(self) -> subprocess.Popen[bytes]:
        """An idle worker started for the same object store (its endpoint and credentials
        are fixed at start: one started before EPMO_STORE's variables changed would reach
        the wrong store), else a new one."""
        store_env = objectstore.environment()
        with self._lock:
            while self._idle:
                proc = self._idle.pop(0)
                if proc.poll() is None and _STORE_ENV.get(proc.pid) == store_env:
                    return proc
                _reap(proc)
        return _spawn()

    def refill(self) -> None:
        """Start idle workers up to `warm_workers` (they import while nobody waits)."""
        want = max(current().explorer.warm_workers, 0) if self.warm else 0
        with self._lock:
            self._idle = [p for p in self._idle if p.poll() is None]
            while len(self._idle) < want:
                self._idle.append(_spawn())

    def give_back(self, proc: subprocess.Popen[bytes]) -> None:
        """A worker that answered and may serve again: kept idle if the pool wants one."""
        want = max(current().explorer.warm_workers, 0) if self.warm else 0
        with self._lock:
            if proc.poll() is None and len(self._idle) < want:
                self._idle.append(proc)
                return
        _reap(proc)

    def wait_ready(self, timeout: float) -> bool:
        """Whether every idle worker said it is ready (imports done, connection prepared)
        within the timeout (the benchmark waits for this, as an analyst's typing would)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            idle = [p for p in self._idle if p.poll() is None and p.stdout is not None]
        for proc in idle:
            assert proc.stdout is not None
            ready, _, _ = select.select([proc.stdout], [], [], max(deadline - time.monotonic(), 0))
            if not ready:
                return False
        return True

    def idle_pids(self) -> list[int]:
        with self._lock:
            return [p.pid for p in self._idle if p.poll() is None]

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for proc in idle:
            _reap(proc)


# worker pid -> the object-store variables it was started with
_STORE_ENV: dict[int, dict[str, str]] = {}
POOL = _Pool()
atexit.register(POOL.close)


def prewarm() -> None:
    """Keep warm workers from now on, and start them (the page calls it so that the first
    query finds one ready; a command-line run starts one worker for its one query)."""
    POOL.warm = True
    POOL.refill()


def _spawn() -> subprocess.Popen[bytes]:
    env = {k: os.environ[k] for k in _ENV_KEEP if k in os.environ}
    env["HOME"] = NEUTRAL_HOME
    env.update(_ENV_SET)
    store_env = objectstore.environment()
    env.update(store_env)  # a store on S3: its endpoint and credentials
    proc = subprocess.Popen(  # noqa: S603 (our own interpreter and module)
        [sys.executable, "-I", "-c", _BOOT, ROOT],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        cwd="/",
        env=env,
        close_fds=True,
    )
    _STORE_ENV[proc.pid] = store_env
    # What the worker can prepare before a query arrives: the settings and the connection's
    # limits (it builds the store-independent part of the connection while it waits).
    limits = sandbox.Limits.from_settings()
    _write(proc, {"settings": settings(), "threads": limits.threads, "memory_limit": limits.memory_limit})
    return proc


def _write(proc: subprocess.Popen[bytes], message: dict[str, Any]) -> None:
    assert proc.stdin is not None
    data = pickle.dumps(message)
    proc.stdin.write(struct.pack(">I", len(data)) + data)
    proc.stdin.flush()


def _reap(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL and wait: afterwards the process is gone (not even a zombie)."""
    _STORE_ENV.pop(proc.pid, None)
    if proc.poll() is None:
        try:
            proc.send_signal(signal.SIGKILL)
        except ProcessLookupError:
            pass
    proc.wait()
    for pipe in (proc.stdin, proc.stdout):
        if pipe is not None:
            try:
                pipe.close()
            except OSError:
                pass


class _Deadline(Exception):
    pass


class _Ended(Exception):
    pass


class _Frames:
    """Frames from the worker's pipe, each read before a deadline and within a size bound."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def _read(self, n: int, deadline: float) -> bytes:
        parts: list[bytes] = []
        while n:
            left = deadline - time.monotonic()
            if left <= 0:
                raise _Deadline
            ready, _, _ = select.select([self.fd], [], [], left)
            if not ready:
                raise _Deadline
            chunk = os.read(self.fd, min(n, 1 << 20))
            if not chunk:
                raise _Ended
            parts.append(chunk)
            n -= len(chunk)
        return b"".join(parts)

    def next(self, deadline: float, limit: int) -> tuple[bytes, bytes]:
        kind, length = _FRAME.unpack(self._read(_FRAME.size, deadline))
        if length > limit:
            raise _Ended  # more than the caps allow: not an answer we read
        return kind, self._read(length, deadline)


def run(
    snapshot: Snapshot,
    text: str,
    as_of: dt.date,
    bound: dict[str, Any],
    limits: sandbox.Limits,
    withheld: frozenset[str] = frozenset(),
) -> Reply:
    """The query in a worker process; raises sandbox.ExplorerError with the analyst's message.
    `withheld`: the store's own tables whose rows it may not read (sandbox.connect)."""
    slots = POOL.slots()
    if not slots.acquire(timeout=limits.time_limit_s):
        count = POOL._slot_count
        raise sandbox.Busy(
            f"The explorer is busy: it already runs {count} quer{'y' if count == 1 else 'ies'} at once on "
            "this server (explorer.max_workers). Try again in a moment."
        )
    try:
        proc = POOL.take()
        POOL.last_pid = proc.pid
        reusable = False
        try:
            outcome, reusable = _ask(proc, snapshot, text, as_of, bound, limits, withheld)
        finally:
            if reusable:
                POOL.give_back(proc)
            else:
                _reap(proc)
    finally:
        slots.release()
        POOL.refill()
    if isinstance(outcome, sandbox.ExplorerError):
        raise outcome
    return outcome


def _ask(
    proc: subprocess.Popen[bytes],
    snapshot: Snapshot,
    text: str,
    as_of: dt.date,
    bound: dict[str, Any],
    limits: sandbox.Limits,
    withheld: frozenset[str],
) -> tuple[Reply | sandbox.ExplorerError, bool]:
    """The worker's answer, or its error message, and whether it may serve another query
    (it said so, and it answered in time); a worker past a deadline or dead is reaped here."""
    request = {
        "snapshot": snapshot,
        "text": text,
        "as_of": as_of,
        "params": bound,
        "withheld": withheld,
        "limits": limits,
        "settings": settings(),
        "needles": sandbox.server_paths(snapshot),
        "parent": os.getpid(),
    }
    assert proc.stdin is not None and proc.stdout is not None
    try:
        _write(proc, request)
    except OSError:
        raise sandbox.QueryFailed("The explorer's worker process could not be started: try again.") from None
    frames = _Frames(proc.stdout.fileno())
    ipc_limit = 2 * limits.result_bytes + (16 << 20)  # Arrow IPC adds metadata and padding
    querying = False
    query_started = time.monotonic()
    deadline = query_started + limits.start_limit_s
    try:
        kind, payload = frames.next(deadline, _HEADER_MAX)
        if kind == b"R":  # prepared while it waited (a warm worker)
            kind, payload = frames.next(deadline, _HEADER_MAX)
        if kind == b"S":  # the sandbox is open: the query's own clock starts
            querying = True
            query_started = time.monotonic()
            deadline = query_started + limits.time_limit_s
            kind, payload = frames.next(deadline, _HEADER_MAX)
        if kind != b"H":
            raise _Ended
        header = json.loads(payload)
        if not header.get("ok"):
            return _error(header), bool(header.get("next"))
        kind, payload = frames.next(deadline, ipc_limit)
        if kind != b"A":
            raise _Ended
    except _Deadline:
        _reap(proc)
        if querying:
            stopped = sandbox.TimedOut(sandbox.timeout_message(limits))
            stopped.seconds = time.monotonic() - query_started  # from the query's start to the worker gone
            stopped.pid = proc.pid
            raise stopped from None
        raise sandbox.QueryFailed(
            f"The explorer's worker did not open its sandbox within {limits.start_limit_s:g} s "
            "(the server is busy): try again in a moment."
        ) from None
    except _Ended:
        _reap(proc)
        raise _died(proc.returncode, limits) from None
    table = pa.ipc.open_stream(pa.py_buffer(payload)).read_all()
    reply = Reply(
        table, bool(header["cut_rows"]), bool(header["cut_bytes"]), float(header["seconds"]), proc.pid
    )
    return reply, bool(header.get("next"))


_ERRORS: dict[str, type[sandbox.ExplorerError]] = {
    "Refused": sandbox.Refused,
    "TimedOut": sandbox.TimedOut,
    "QueryFailed": sandbox.QueryFailed,
}


def _error(header: dict[str, Any]) -> sandbox.ExplorerError:
    return _ERRORS.get(str(header.get("error")), sandbox.QueryFailed)(str(header.get("message", "")))


def _died(code: int | None, limits: sandbox.Limits) -> sandbox.ExplorerError:
    """The worker ended without an answer: the kernel's CPU limit, or memory, most likely."""
    if code in (-signal.SIGXCPU, -signal.SIGKILL):
        return sandbox.TimedOut(sandbox.timeout_message(limits))
    if code is not None and code >= 0:
        return sandbox.QueryFailed(
            f"The explorer's worker process failed (exit {code}) before it answered: try again, "
            "and tell the EPMO's administrator if it happens again."
        )
    return sandbox.QueryFailed(
        "The query's worker process ended without an answer (exit "
        f"{code}), most likely at the explorer's memory limits ({limits.memory_limit}, address space "
        f"{limits.address_space / 1000**3:g} GB): aggregate or filter first."
    )


# --------------------------------------------------------------------------- the worker


def _send(fd: int, kind: bytes, payload: bytes) -> None:
    data = _FRAME.pack(kind, len(payload)) + payload
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _watch_parent(parent: int) -> None:
    """Exit when the server that asked is gone (the CPU limit would end it later anyway)."""
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(3)


def _set_limits(limits: sandbox.Limits) -> None:
    """This query's limits: the soft limits, set again for every query a worker serves (the
    hard limits stay as they were, so a later query may have a higher one; SQL cannot call
    setrlimit). Past the address space an allocation fails; past the CPU time the kernel
    sends SIGXCPU, which ends the process."""
    import resource

    _, hard_as = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (_within(limits.address_space, hard_as), hard_as))
    used = resource.getrusage(resource.RUSAGE_SELF)
    spent = int(used.ru_utime + used.ru_stime) + 1  # the imports and earlier queries took some
    _, hard_cpu = resource.getrlimit(resource.RLIMIT_CPU)
    resource.setrlimit(resource.RLIMIT_CPU, (_within(spent + limits.cpu_seconds, hard_cpu), hard_cpu))


def _within(value: int, hard: int) -> int:
    import resource

    return value if hard == resource.RLIM_INFINITY else min(value, hard)


def _receive() -> dict[str, Any] | None:
    """One message from the parent (length, pickle); None when the pipe closed first."""
    head = sys.stdin.buffer.read(4)
    if len(head) < 4:
        return None
    (length,) = struct.unpack(">I", head)
    data = sys.stdin.buffer.read(length)
    if len(data) < length:
        return None
    message: dict[str, Any] = pickle.loads(data)  # noqa: S301 (from our own parent, over its pipe)
    return message


def main() -> int:
    from epmo import sql

    out = os.dup(1)  # the answer goes to a private copy of stdout...
    os.dup2(2, 1)  # ...and anything printed by accident to stderr (DEVNULL)
    prepared = _receive()
    if prepared is None:
        return 0
    _use_settings(prepared["settings"])
    served = 0
    while True:
        # what does not depend on the store, built while nobody waits
        base = sql.connect(threads=prepared["threads"], memory_limit=prepared["memory_limit"])
        _send(out, b"R", b"")
        request = _receive()  # one query; the pipe closes when the pool or the server does
        if request is None:
            os._exit(0)
        if not served:
            threading.Thread(target=_watch_parent, args=(request["parent"],), daemon=True).start()
        served += 1
        limits: sandbox.Limits = request["limits"]
        if request["settings"] != prepared["settings"] or (limits.threads, limits.memory_limit) != (
            prepared["threads"],
            prepared["memory_limit"],
        ):  # prepared for other settings: start afresh
            base.close()
            _use_settings(request["settings"])
            base = sql.connect(threads=limits.threads, memory_limit=limits.memory_limit)
            prepared = {
                "settings": request["settings"],
                "threads": limits.threads,
                "memory_limit": limits.memory_limit,
            }
        if not _serve(out, request, base, served):
            os._exit(0)  # skip DuckDB's and Python's teardown: the process is done
        gc.collect()


def _serve(out: int, request: dict[str, Any], con: Any, served: int) -> bool:
    """Answer one request on the prepared connection; whether this worker may serve another
    (fewer than `worker_queries` served, its memory under `worker_rss_mb`, no memory error)."""
    limits: sandbox.Limits = request["limits"]
    snapshot: Snapshot = request["snapshot"]

    def again() -> bool:
        return served < current().explorer.worker_queries and _rss_mb() < float(
            current().explorer.worker_rss_mb
        )

    def fail(kind: str, message: str, more: bool) -> bool:
        _send(out, b"H", json.dumps({"ok": False, "error": kind, "message": message, "next": more}).encode())
        return more

    try:
        _set_limits(limits)
        con = sandbox.connect(
            snapshot, request["as_of"], limits, base=con, withheld=request["withheld"], text=request["text"]
        )
        _send(out, b"S", b"")
        fetched = sandbox.fetch(con, request["text"], request["params"], limits)
        if sandbox.holds_path(fetched.table, request["needles"]):
            raise sandbox.Refused(
                "The result holds a path on the server (the store's location), which the explorer "
                "does not show: leave out settings, view definitions and file names."
            )
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, fetched.table.schema) as writer:
            writer.write_table(fetched.table)
        more = again()
        header = {
            "ok": True,
            "cut_rows": fetched.cut_rows,
            "cut_bytes": fetched.cut_bytes,
            "seconds": fetched.seconds,
            "next": more,
        }
        _send(out, b"H", json.dumps(header).encode())
        _send(out, b"A", sink.getvalue().to_pybytes())
        return more
    except sandbox.ExplorerError as exc:
        memory = "memory limit" in str(exc)
        return fail(type(exc).__name__, sandbox.scrub(str(exc), snapshot), again() and not memory)
    except MemoryError:
        return fail(
            "QueryFailed",
            "The query needs more than the explorer's memory limits "
            f"({limits.memory_limit}, address space {limits.address_space / 1000**3:g} GB): "
            "aggregate or filter first.",
            False,
        )
    except Exception as exc:  # noqa: BLE001 (anything else: a message, scrubbed, never a traceback)
        message = sandbox.scrub(" ".join(f"{type(exc).__name__}: {exc}".split()), snapshot)
        return fail("QueryFailed", f"The query failed: {message}", False)
    finally:
        con.close()  # the query's database, freed before the next one


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _use_settings(data: dict[str, Any]) -> None:
    """The server's settings (EPMO_SETTINGS included), not this process's defaults."""
    from epmo import settings as module

    module.settings = lambda: data  # type: ignore[assignment]
