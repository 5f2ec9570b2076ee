"""Load: N concurrent sessions driving real pages over Streamlit's websocket protocol.

Run: .venv/bin/python bench/load.py --sessions 30 [--replicas 1|2] [--store local|s3]
     [--mix realistic|stress] [--seconds 90] [--ramp 30] [--scale small|medium]
     [--upload-every 5] [--sweep] [--json PATH]

The tool starts everything it talks to, on loopback only, and stops it: the store (a fresh
demo; on `--store s3` a moto S3 server on 127.0.0.1 holding it), one or two `streamlit run`
replicas on free ports of 127.0.0.1, then N sessions spread over the replicas (a session
stays on its replica, as a sticky proxy keeps it). Each session is what a browser tab does:
a websocket to /_stcore/stream, then page after page (a rerun with the page's name and
query string) with a think time between them. A writer commits an upload (a PM's edited
workbook, a new file each time) through the ingest pipeline every --upload-every seconds,
so every replica's caches keep being invalidated as on a Friday afternoon.

Two mixes (say which one a figure comes from):
- `realistic` (default): a person reading pages. Pages drawn at random with weights (Home
  and a project most, then the health tabs, capacity, the deck, Submissions); think time
  drawn from an exponential of mean --think (default 30 s), kept within 5..120 s.
- `stress`: every session walks the mix in turn with a think time of 0.5-1.5 x --think
  (default 2 s): ten to fifteen times the page rate of a person. For finding limits.

Before the measured sessions one warm-up session visits every page once (not counted):
the process's first build (connection, memo tables) is reported apart, and memory per
session is measured from that warm state. Sessions then start spread over --ramp seconds
(default 30 s; `--ramp 0` is the thundering-herd scenario: every first load at once).

`--sweep`: the sessions one core serves at a p95 page time of 2 s, measured. One replica,
pinned to one CPU (the driver and the writer on the others), steps of N sessions (doubling
from --sweep-start, then bisecting between the last step that held and the first that did
not), each step --seconds long after its ramp; a step holds when its p95 over every page
(first loads included) is <= 2 s with no error. Prints each step and the answer.

Bounded, and it stops by itself: every URL it connects to must be a loopback address
(checked before connecting), --sessions <= 300, --seconds <= 600, a page waits at most
--page-timeout seconds (then it counts as an error and its session ends), the sweep has
at most 8 steps, an alarm ends the whole run after the largest time its settings allow,
and every process started is stopped. No websocket ping is sent (keepalive frames starve a
busy server's event loop and were measured to turn slow pages into disconnections).

Prints per phase (first loads, then the later pages) and per page: count, p50/p95/max
seconds, kilobytes received; errors by kind (timeout = no answer within --page-timeout,
the server being starved of CPU; exception = a page raised; disconnected = the server
closed the websocket); the replicas' memory (idle, warm, peak: per session), their CPU
seconds per page run, and the load average. --json PATH writes the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import ipaddress
import json
import math
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

END = dt.date(2026, 11, 20)
CLK_TCK = os.sysconf("SC_CLK_TCK")
P95_TARGET = 2.0

# the bounds (checked by `check_bounds`)
MAX_SESSIONS = 300
MAX_SECONDS = 600.0
MAX_RAMP = 300.0
MAX_PAGE_TIMEOUT = 120.0
MAX_SWEEP_STEPS = 8
MIXES = ("realistic", "stress")
DEFAULT_THINK = {"realistic": 30.0, "stress": 2.0}
REALISTIC_THINK_RANGE = (5.0, 120.0)


# --------------------------------------------------------------------------- pure parts


class NotLoopback(ValueError):
    """A URL the tool was about to contact is not on this machine."""


def check_loopback(url: str) -> str:
    """`url` itself when its host is a loopback address (127.0.0.0/8, ::1, localhost when it
    resolves only to those); else NotLoopback. The tool never sends traffic elsewhere."""
    host = urlsplit(url).hostname
    if not host:
        raise NotLoopback(f"no host in {url!r}")
    try:
        addresses = [ipaddress.ip_address(host)]
    except ValueError:
        if host != "localhost":  # no other name: resolving it could reach a DNS server
            raise NotLoopback(f"{host!r} is not a loopback address (use 127.0.0.1)") from None
        addresses = [ipaddress.ip_address(a[4][0]) for a in socket.getaddrinfo(host, None)]
    if not addresses or not all(a.is_loopback for a in addresses):
        raise NotLoopback(f"{host!r} is not a loopback address: the load tool only talks to this machine")
    return url


def check_bounds(args: argparse.Namespace) -> str:
    """'' when the run is bounded as the tool promises, else what is out of bounds."""
    if not 1 <= args.sessions <= MAX_SESSIONS:
        return f"--sessions must be 1..{MAX_SESSIONS}"
    if not 5 <= args.seconds <= MAX_SECONDS:
        return f"--seconds must be 5..{MAX_SECONDS:.0f}"
    if not 0 <= args.ramp <= MAX_RAMP:
        return f"--ramp must be 0..{MAX_RAMP:.0f}"
    if not 1 <= args.page_timeout <= MAX_PAGE_TIMEOUT:
        return f"--page-timeout must be 1..{MAX_PAGE_TIMEOUT:.0f}"
    if args.think is not None and not 0 <= args.think <= 300:
        return "--think must be 0..300"
    if not 1 <= args.upload_every <= 3600 and args.upload_every != 0:
        return "--upload-every must be 0 (no uploads) or 1..3600"
    if args.sweep and not 1 <= args.sweep_start <= args.sessions:
        return "--sweep-start must be 1..--sessions"
    if args.sweep and not 1 <= args.sweep_steps <= MAX_SWEEP_STEPS:
        return f"--sweep-steps must be 1..{MAX_SWEEP_STEPS}"
    return ""


def time_bound(args: argparse.Namespace) -> float:
    """The most seconds the run may take: set-up, each step (ramp, run, the last pages'
    timeout), stopping; the alarm ends the tool after this."""
    steps = args.sweep_steps if args.sweep else 1
    setup = 300.0  # the demo store, the replicas' start, the warm-up
    return setup + steps * (args.ramp + args.seconds + args.page_timeout + 30)


def pct(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0 < q < 100), linear between the closest ranks (the
    'inclusive' method: the 100th is the max, the 0th the min); nan for no values."""
    if not values:
        return float("nan")
    xs = sorted(values)
    if len(xs) == 1:
        return xs[0]
    pos = (len(xs) - 1) * q / 100.0
    lo = math.floor(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def think_time(rnd: random.Random, mix: str, mean: float) -> float:
    """A pause between two pages: realistic, exponential of `mean` kept in 5..120 s (a person
    reads a page for tens of seconds); stress, uniform in 0.5..1.5 x `mean`."""
    if mix == "stress":
        return rnd.uniform(0.5, 1.5) * mean
    lo, hi = REALISTIC_THINK_RANGE
    return min(max(rnd.expovariate(1.0 / mean), lo), hi) if mean > 0 else 0.0


def error_kind(error: str) -> str:
    """The class of an error text: timeout, exception, disconnected, connect, other."""
    for kind in ("timeout", "exception", "disconnected", "connect"):
        if error.startswith(kind):
            return kind
    return "other"


def next_sweep_step(results: dict[int, bool], start: int, limit: int, tolerance: float = 0.15) -> int | None:
    """The next session count to try, from the steps so far (count -> held): doubling while
    every step held, then bisecting between the largest count that held and the smallest
    that did not, until they are within `tolerance` (relative) of each other; None when
    done."""
    if not results:
        return start
    held = [n for n, ok in results.items() if ok]
    failed = [n for n, ok in results.items() if not ok]
    lo = max(held, default=0)
    hi = min((n for n in failed if n > lo), default=None)
    if hi is None:
        if lo >= limit:
            return None
        return min(max(lo * 2, lo + 1), limit)
    if hi - lo <= max(1, math.floor(lo * tolerance)):
        return None
    return (lo + hi) // 2 if lo else max(1, hi // 2) if hi > 1 else None


def sweep_answer(results: dict[int, bool]) -> int:
    """The largest session count that held with every smaller count tried holding too."""
    best = 0
    for n in sorted(results):
        if not results[n]:
            break
        best = n
    return best


# --------------------------------------------------------------------------- processes


def start_replica(
    store_uri: str, env: dict[str, str], cpus: set[int] | None = None
) -> tuple[subprocess.Popen[bytes], int]:
    """A `streamlit run` on 127.0.0.1; on `cpus` when given (the process and every thread and
    child it starts inherit the affinity it is forked with)."""
    from bench.harness import serve

    mine = os.sched_getaffinity(0)
    try:
        if cpus:
            os.sched_setaffinity(0, cpus)
        # a page's exception reaches the tool in full (it counts and prints them), not redacted
        extra = {"EPMO_STORE": store_uri, "STREAMLIT_CLIENT_SHOW_ERROR_DETAILS": "full"}
        proc, url = serve.start(env | extra, capture=False, timeout=120)
    except serve.NotStarted:
        raise SystemExit("a replica did not start") from None
    finally:
        if cpus:
            os.sched_setaffinity(0, mine)
    check_loopback(url)
    return proc, int(url.rsplit(":", 1)[1])


def tree(pid: int) -> list[int]:
    """The process and its descendants (the explorer's and the parser's worker processes)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += children.get(p, [])
    return out


def cpu_seconds(pid: int) -> float:
    total = 0
    for p in tree(pid):
        try:
            with open(f"/proc/{p}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        except OSError:
            pass
    return total / CLK_TCK


def rss_mb(pid: int) -> float:
    total = 0
    for p in tree(pid):
        try:
            with open(f"/proc/{p}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


# --------------------------------------------------------------------------- sessions


@dataclass
class Timing:
    phase: str
    page: str
    seconds: float
    error: str = ""
    kb: float = 0.0
    stale: bool = False  # served the previous version while the new one built (its note shown)


@dataclass
class Run:
    timings: list[Timing] = field(default_factory=list)
    uploads: int = 0
    upload_errors: list[str] = field(default_factory=list)


Page = tuple[str, str, str]  # label, page name, query string


def pages(project_id: str) -> list[Page]:
    """What the sessions visit: (label, page_name, query_string)."""
    week = END.isoformat()
    return [
        ("home", "", ""),
        ("health:Projects", "health", "tab=Projects"),
        ("health:RAID", "health", "tab=RAID"),
        ("capacity", "capacity", ""),
        ("project", "project", f"project={project_id}&as_of={week}"),
        ("deck", "deck", f"deck=Steering+committee&slide=1&as_of={week}"),
        ("health:Milestones", "health", "tab=Milestones"),
        ("submissions", "submissions", ""),
    ]


# how often a person opens each page in the realistic mix (relative)
REALISTIC_WEIGHTS = {
    "home": 4,
    "project": 3,
    "health:Projects": 2,
    "health:RAID": 1,
    "health:Milestones": 1,
    "capacity": 1,
    "deck": 1,
    "submissions": 1,
}


def choose(rnd: random.Random, mix: str, visits: list[Page], n: int, i: int) -> Page:
    """Session n's i-th page: stress walks the list in turn (each session from its own
    offset); realistic draws by REALISTIC_WEIGHTS, opening on Home (a bookmark's landing)."""
    if mix == "stress":
        return visits[(n + i) % len(visits)]
    if i == 0:
        return visits[0]
    return rnd.choices(visits, weights=[REALISTIC_WEIGHTS.get(v[0], 1) for v in visits])[0]


# the note a page shows when it is served the previous version (app_pages/_shared._stale_note)
STALE_NOTE = b"is loading and this page refreshes"


async def page_run(ws: Any, page: str, query: str, timeout: float) -> tuple[str, int, bool]:
    """Ask for a page (a rerun) and wait until its script finished: ('' or the error, bytes
    received, whether it was served the previous version)."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    msg = BackMsg()
    msg.rerun_script.page_name = page
    msg.rerun_script.query_string = query
    await ws.send(msg.SerializeToString())
    deadline = time.monotonic() + timeout
    error = ""
    received = 0
    stale = False
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return "timeout", received, stale
        try:
            raw = await asyncio.wait_for(ws.recv(), timeout=left)
        except TimeoutError:
            return "timeout", received, stale
        received += len(raw)
        stale = stale or STALE_NOTE in raw
        fwd = ForwardMsg()
        fwd.ParseFromString(raw)
        kind = fwd.WhichOneof("type")
        if kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
            if fwd.delta.new_element.WhichOneof("type") == "exception":
                error = error or "exception: " + fwd.delta.new_element.exception.message[:200]
        elif kind == "page_not_found":
            error = error or f"other: page not found: {page}"
        elif kind == "script_finished":
            status = ForwardMsg.ScriptFinishedStatus.Name(fwd.script_finished)
            if status in ("FINISHED_SUCCESSFULLY", "FINISHED_FRAGMENT_RUN_SUCCESSFULLY"):
                return error, received, stale
            if status == "FINISHED_EARLY_FOR_RERUN":
                continue  # our own next request is not sent before this one ends
            return error or f"other: {status}", received, stale


async def session(
    n: int,
    port: int,
    args: argparse.Namespace,
    visits: list[Page],
    run: Run,
    stop_at: float,
    ramp: float,
    sessions: int,
    phase0: str = "first load",
    count: int | None = None,
) -> None:
    """One browser tab: connect, then pages until `stop_at` (or `count` pages)."""
    import websockets

    rnd = random.Random(n * 7919 + args.seed)
    await asyncio.sleep(ramp * n / max(sessions, 1))
    url = check_loopback(f"ws://127.0.0.1:{port}/_stcore/stream")
    try:
        async with websockets.connect(
            url, subprotocols=["streamlit"], ping_interval=None, max_size=None, open_timeout=args.page_timeout
        ) as ws:
            phase = phase0
            i = 0
            while time.monotonic() < stop_at and (count is None or i < count):
                label, page, query = choose(rnd, args.mix, visits, n, i) if count is None else visits[i]
                t0 = time.monotonic()
                try:
                    error, received, stale = await page_run(ws, page, query, args.page_timeout)
                except websockets.exceptions.ConnectionClosed as exc:
                    error, received, stale = f"disconnected: {exc}", 0, False
                run.timings.append(Timing(phase, label, time.monotonic() - t0, error, received / 1024, stale))
                if error.startswith(("timeout", "disconnected")):
                    return  # the session is stuck or gone: stop it rather than pile on
                phase = "later" if phase0 == "first load" else phase0
                i += 1
                pause = think_time(rnd, args.mix, args.think) if count is None else 0.0
                await asyncio.sleep(min(pause, max(0.0, stop_at - time.monotonic())))
    except (OSError, TimeoutError, websockets.exceptions.WebSocketException) as exc:
        run.timings.append(Timing("connect", "connect", 0.0, f"connect: {type(exc).__name__}: {exc}"))


def upload_files(seeds: Sequence[int] = (21, 22, 23)) -> Iterator[tuple[str, bytes]]:
    """Workbooks a PM would upload for the week: a demo PM's sheet, edited each time (the
    status summary changes), so no upload is a duplicate of an earlier one."""
    import pyarrow.compute as pc

    from epmo import demo
    from epmo.templates import filled_workbook

    bases = []
    for seed in seeds:
        frames, ledger = demo.build("small", seed, END)
        pick = next(
            r
            for r in ledger
            if r["as_of_date"] == END and r["note"] == "demo" and "projects" in str(r["tables"])
        )
        tables = {}
        for name, frame in frames.items():
            rows = frame.filter(pc.equal(frame["upload_id"], pick["upload_id"])).to_pylist()
            if rows:
                tables[name] = [
                    {k: v for k, v in r.items() if k not in ("upload_id", "source_row")} for r in rows
                ]
        bases.append(tables)
    k = 0
    while True:
        k += 1
        tables = bases[k % len(bases)]
        edited = dict(tables)
        edited["projects"] = [
            r | {"status_summary": f"{r.get('status_summary') or ''} (update {k})".strip()}
            for r in tables["projects"]
        ]
        yield f"load_{k}.xlsx", filled_workbook(edited)


def uploader(store_uri: str, every: float, stop: Any, go: Any, report: Any) -> None:
    """An upload through the ingest pipeline every `every` seconds (a PM on another tab), in
    a process of its own (an ingest in the driver's process held its interpreter and
    delayed the sessions' clocks); each outcome is put on `report`. The files are prepared
    first ('ready'), the uploads start when `go` is set."""
    try:
        from epmo.ingest import ACCEPTED, ingest
        from epmo.store import Store

        store = Store(store_uri)
        files = upload_files()
        pending = next(files)
        report.put(("ready", ""))
        while not go.wait(1):
            if stop.is_set():
                return
        while not stop.wait(every):
            name, data = pending
            try:
                out = ingest(store, name, data, as_of=END, user_email="load@example.org")
                report.put(("ok", name) if out.status == ACCEPTED else ("error", f"{name}: {out.status}"))
            except Exception as exc:  # counted, reported
                report.put(("error", f"{name}: {type(exc).__name__}: {exc}"))
            pending = next(files)
    except Exception as exc:  # the writer itself failed: an error of the run, not a silence
        report.put(("error", f"the uploader stopped: {type(exc).__name__}: {exc}"))


class Writer:
    """The uploader's process (spawned: no fork of a process holding the Delta library's
    runtime) and a thread counting its outcomes into `run`. Started before the warm-up so
    its files are ready; `start()` lets it upload."""

    def __init__(self, store_uri: str, every: float, run: Run) -> None:
        import multiprocessing as mp

        ctx = mp.get_context("spawn")
        self.stop, self.go, self.ready = ctx.Event(), ctx.Event(), threading.Event()
        self.report = ctx.Queue()
        self.run = run
        self.proc = ctx.Process(
            target=uploader, args=(store_uri, every, self.stop, self.go, self.report), daemon=True
        )
        self.proc.start()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def start(self, timeout: float = 180) -> None:
        if not self.ready.wait(timeout):
            self.run.upload_errors.append(f"the uploader was not ready within {timeout:.0f} s")
        self.go.set()

    def _read(self) -> None:
        while True:
            kind, text = self.report.get()
            if kind == "done":
                return
            if kind == "ready":
                self.ready.set()
            elif kind == "ok":
                self.run.uploads += 1
            else:
                self.run.upload_errors.append(text)

    def close(self) -> None:
        self.stop.set()
        self.proc.join(120)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join(10)
        self.report.put(("done", ""))
        self.reader.join(10)


# --------------------------------------------------------------------------- figures


def summarise(rows: list[Timing]) -> dict[str, Any]:
    ok = [t.seconds for t in rows if not t.error]
    return {
        "pages": len(rows),
        "errors": sum(1 for t in rows if t.error),
        "p50_s": round(pct(ok, 50), 3),
        "p95_s": round(pct(ok, 95), 3),
        "max_s": round(max(ok), 3) if ok else None,
    }


def figures(run: Run, sessions: int, seconds: float, cpu: float, rss: dict[str, float]) -> dict[str, Any]:
    measured = [t for t in run.timings if t.phase in ("first load", "later", "connect")]
    pages_ok = [t for t in measured if not t.error and t.phase != "connect"]
    per_page = {}
    for label in sorted({t.page for t in measured if t.phase != "connect"}):
        rows = [t for t in measured if t.page == label]
        per_page[label] = summarise(rows) | {"kb_p50": round(pct([t.kb for t in rows if not t.error], 50), 1)}
    errors: dict[str, int] = {}
    for t in measured:
        if t.error:
            errors[error_kind(t.error)] = errors.get(error_kind(t.error), 0) + 1
    return {
        "all_pages": summarise([t for t in measured if t.phase != "connect"]),
        # pages served the previous version while a replica built the new one (with the note)
        "served_previous": summarise([t for t in measured if t.phase != "connect" and t.stale]),
        "first_load": summarise([t for t in measured if t.phase == "first load"]),
        "later": summarise([t for t in measured if t.phase == "later"]),
        "per_page": per_page,
        "errors": errors,
        "error_examples": sorted({t.error for t in measured if t.error})[:5],
        "uploads": run.uploads,
        "upload_errors": run.upload_errors[:5],
        "rss_mb": {k: round(v) for k, v in rss.items()},
        "mb_per_session": round((rss["peak"] - rss["warm"]) / max(sessions, 1), 1),
        "cpu_s": round(cpu, 1),
        "page_runs": len(pages_ok),
        "cpu_s_per_run": round(cpu / max(len(pages_ok), 1), 3),
        "pages_per_s": round(len(pages_ok) / seconds, 2) if seconds else None,
        "seconds": round(seconds, 1),
    }


def total_errors(fig: dict[str, Any]) -> int:
    return sum(fig["errors"].values()) + len(fig["upload_errors"])


def held(fig: dict[str, Any]) -> bool:
    """A sweep step holds: p95 over every page <= 2 s and no error at all."""
    p95 = fig["all_pages"]["p95_s"]
    return total_errors(fig) == 0 and p95 == p95 and p95 <= P95_TARGET


# --------------------------------------------------------------------------- the run


@dataclass
class Target:
    uri: str
    procs: list[tuple[subprocess.Popen[bytes], int]]
    visits: list[Page]

    @property
    def pids(self) -> list[int]:
        return [p.pid for p, _ in self.procs]

    @property
    def ports(self) -> list[int]:
        return [port for _, port in self.procs]

    def rss(self) -> float:
        return sum(rss_mb(pid) for pid in self.pids)

    def cpu(self) -> float:
        return sum(cpu_seconds(pid) for pid in self.pids)


def drive(
    target: Target, args: argparse.Namespace, sessions: int, run: Run
) -> tuple[float, float, dict[str, float]]:
    """`sessions` sessions for --ramp + --seconds; returns (seconds, replica CPU, memory)."""
    rss = {"warm": target.rss()}
    peak = [rss["warm"]]
    cpu0 = target.cpu()
    t0 = time.monotonic()

    async def go() -> None:
        stop_at = time.monotonic() + args.ramp + args.seconds

        async def sample() -> None:
            while time.monotonic() < stop_at:
                peak[0] = max(peak[0], target.rss())
                await asyncio.sleep(1)

        ports = target.ports
        tasks = [
            session(n, ports[n % len(ports)], args, target.visits, run, stop_at, args.ramp, sessions)
            for n in range(sessions)
        ]
        await asyncio.gather(sample(), *tasks)

    asyncio.run(go())
    rss["peak"] = peak[0]
    rss["after"] = target.rss()
    return time.monotonic() - t0, target.cpu() - cpu0, rss


def warm_up(target: Target, args: argparse.Namespace) -> dict[str, Any]:
    """One session per replica visiting every page once (the process's first build)."""
    run = Run()
    cpu0 = target.cpu()

    async def go() -> None:
        stop_at = time.monotonic() + args.page_timeout * len(target.visits)
        await asyncio.gather(
            *(
                session(
                    0,
                    port,
                    args,
                    target.visits,
                    run,
                    stop_at,
                    0,
                    1,
                    phase0="warm-up",
                    count=len(target.visits),
                )
                for port in target.ports
            )
        )

    t0 = time.monotonic()
    asyncio.run(go())
    errors = [t.error for t in run.timings if t.error]
    if errors:
        raise SystemExit(f"the warm-up failed: {errors[:3]}")
    first = [t.seconds for t in run.timings if t.page == "home"]
    return {
        "seconds": round(time.monotonic() - t0, 1),
        "cpu_s": round(target.cpu() - cpu0, 1),
        "first_home_s": round(max(first), 2) if first else None,
        "per_page_s": {t.page: round(t.seconds, 2) for t in run.timings},
    }


def table(paths: Sequence[str]) -> str:
    """The runs' figures as the markdown tables of docs/benchmarks.md."""
    runs = [json.loads(Path(p).read_text(encoding="utf-8")) for p in paths if Path(p).exists()]
    out = [
        "| run | pages | p50 / p95, every page | first loads p50 / p95 | later pages p50 / p95 "
        "| errors | uploads | served the previous version | MB per session | CPU s per page run "
        "| load avg before / after |",
        "| --- | ---: | --- | --- | --- | --- | ---: | ---: | ---: | ---: | --- |",
    ]
    sweeps = []
    for r in runs:
        if "sweep" in r:
            sweeps.append(r)
            continue
        a, f, later = r["all_pages"], r["first_load"], r["later"]
        errors = ", ".join(f"{v} {k}" for k, v in r["errors"].items()) or "0"
        out.append(
            f"| {r['sessions']} sessions, {r['replicas']} {'replica' if r['replicas'] == 1 else 'replicas'}, "
            f"{r['store']}, {r['mix']} | {a['pages']} | {a['p50_s']:.2f} s / {a['p95_s']:.2f} s "
            f"| {f['p50_s']:.2f} s / {f['p95_s']:.2f} s | {later['p50_s']:.2f} s / {later['p95_s']:.2f} s "
            f"| {errors}{' + ' + str(len(r['upload_errors'])) + ' upload' if r['upload_errors'] else ''} "
            f"| {r['uploads']} | {r.get('served_previous', {}).get('pages', 0)} "
            f"| {r['mb_per_session']} | {r['cpu_s_per_run']:.3f} "
            f"| {r['load_average_before'][0]:.2f} / {r['load_average_after'][0]:.2f} |"
        )
    for r in sweeps:
        sw = r["sweep"]
        out += [
            "",
            f"Sweep ({r['mix']} mix, think {r['think_s']} s, one replica"
            f"{' pinned to one CPU' if sw['pinned_to_one_cpu'] else ''}, {r['store']}, "
            f"steps of {r['ramp_s']:.0f} s ramp + {r['seconds']:.0f} s): {sw['criterion']}.",
            "",
            "| sessions | pages | p50 | p95 | errors | CPU s per page run | replica CPU busy | held |",
            "| ---: | ---: | ---: | ---: | --- | ---: | ---: | --- |",
        ]
        for st in sw["steps"]:
            errors = ", ".join(f"{v} {k}" for k, v in st["errors"].items()) or "0"
            out.append(
                f"| {st['sessions']} | {st['pages']} | {st['p50_s']:.2f} s | {st['p95_s']:.2f} s | {errors} "
                f"| {st['cpu_s_per_run']:.3f} | {st['replica_cpu_busy']:.0%} | {'yes' if st['held'] else 'no'} |"
            )
        best = sw["sessions_per_core"]
        step = next((st for st in sw["steps"] if st["sessions"] == best), None)
        if step:
            rate = best / (r["think_s"] + step["p50_s"])
            out += [
                "",
                f"One core served **{best} sessions** of the {r['mix']} mix at p95 <= 2 s: "
                f"{rate:.2f} pages a second. At a person's pace (think 30 s) that is "
                f"{rate * (30 + step['p50_s']):.0f} sessions per core.",
            ]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--table"]:
        print(table(argv[1:]))
        return 0
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--sessions", type=int, default=30, help="sessions (with --sweep: the most tried)")
    p.add_argument("--replicas", type=int, choices=(1, 2), default=1)
    p.add_argument("--store", choices=("local", "s3"), default="local")
    p.add_argument("--scale", choices=("small", "medium"), default="small")
    p.add_argument("--mix", choices=MIXES, default="realistic")
    p.add_argument("--think", type=float, help="mean think time (realistic 30 s, stress 2 s)")
    p.add_argument("--seconds", type=float, default=90.0, help="length of the run after the ramp")
    p.add_argument("--ramp", type=float, default=30.0, help="sessions start spread over this many seconds")
    p.add_argument("--upload-every", type=float, default=5.0, help="seconds between uploads (0: none)")
    p.add_argument("--page-timeout", type=float, default=60.0)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--sweep", action="store_true", help="find the sessions one core serves at p95 <= 2 s")
    p.add_argument("--sweep-start", type=int, default=4)
    p.add_argument("--sweep-steps", type=int, default=6)
    p.add_argument("--json", help="write the figures to this file")
    args = p.parse_args(argv)
    problem = check_bounds(args)
    if problem:
        p.error(problem + " (the run is bounded)")
    if args.think is None:
        args.think = DEFAULT_THINK[args.mix]
    if args.sweep:
        args.replicas = 1
    bound = time_bound(args)
    signal.signal(
        signal.SIGALRM, lambda *_: (_ for _ in ()).throw(SystemExit(f"time bound {bound:.0f} s reached"))
    )
    signal.alarm(int(bound))
    try:
        result = execute(args)
    finally:
        signal.alarm(0)
    result["time_bound_s"] = round(bound)
    print(json.dumps(result, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2), encoding="utf-8")
    if args.sweep:
        return 0 if result["sweep"]["sessions_per_core"] else 1
    return 1 if total_errors(result) else 0


def execute(args: argparse.Namespace) -> dict[str, Any]:
    from epmo import demo
    from epmo.store import Store

    with contextlib.ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="epmo-load-")))
        env: dict[str, str] = {}
        cpus = sorted(os.sched_getaffinity(0))
        pin = args.sweep and len(cpus) > 1
        if pin:  # the driver, the writer and the object store on every CPU but the replica's
            os.sched_setaffinity(0, set(cpus[:-1]))
        if args.store == "s3":
            from tests.objectstore import moto_server, new_prefix, s3_env

            endpoint = check_loopback(stack.enter_context(moto_server()))
            env = s3_env(endpoint)
            os.environ.update(env)
            uri = new_prefix("load")
        else:
            uri = str(work / "store")
        store = Store(uri)
        demo.load_demo(store, scale=args.scale, seed=3, end=END)
        project_id = store.rows("export/projects", as_of=END)[0]["project_id"]
        procs = []
        for _ in range(args.replicas):
            proc, port = start_replica(uri, env, {cpus[-1]} if pin else None)
            procs.append((proc, port))
            stack.callback(_stop, proc)
        target = Target(uri, procs, pages(project_id))
        idle = target.rss()
        run = Run()
        writer = Writer(uri, args.upload_every, run) if args.upload_every else None
        if writer:
            stack.callback(writer.close)
        warm = warm_up(target, args)
        if writer:
            writer.start()
        head = {
            "when_utc": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M"),
            "sessions": args.sessions,
            "replicas": args.replicas,
            "store": args.store,
            "scale": args.scale,
            "mix": args.mix,
            "think_s": args.think,
            "ramp_s": args.ramp,
            "seconds": args.seconds,
            "upload_every_s": args.upload_every,
            "cores": os.cpu_count(),
            "load_average_before": [round(x, 2) for x in os.getloadavg()],
            "rss_mb_idle": round(idle),
            "warm_up": warm,
        }
        if not args.sweep:
            seconds, cpu, rss = drive(target, args, args.sessions, run)
            fig = figures(run, args.sessions, seconds, cpu, rss)
            return head | fig | {"load_average_after": [round(x, 2) for x in os.getloadavg()]}
        steps: dict[int, bool] = {}
        detail = []
        while len(steps) < args.sweep_steps:
            n = next_sweep_step(steps, args.sweep_start, args.sessions)
            if n is None:
                break
            step = Run()
            uploads0 = run.uploads
            seconds, cpu, rss = drive(target, args, n, step)
            step.uploads, step.upload_errors = run.uploads - uploads0, list(run.upload_errors)
            fig = figures(step, n, seconds, cpu, rss)
            run.upload_errors.clear()
            steps[n] = held(fig)
            row = {
                "sessions": n,
                "held": steps[n],
                "p50_s": fig["all_pages"]["p50_s"],
                "p95_s": fig["all_pages"]["p95_s"],
                "pages": fig["all_pages"]["pages"],
                "errors": fig["errors"],
                "cpu_s_per_run": fig["cpu_s_per_run"],
                "replica_cpu_busy": round(cpu / seconds, 2),
                "mb_per_session": fig["mb_per_session"],
                "load_average": round(os.getloadavg()[0], 2),
            }
            detail.append(row)
            print(json.dumps(row), flush=True)
        return head | {
            "sweep": {
                "pinned_to_one_cpu": pin,
                "steps": detail,
                "sessions_per_core": sweep_answer(steps),
                "criterion": f"p95 over every page <= {P95_TARGET} s, no error",
            },
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
        }


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(15)


if __name__ == "__main__":
    sys.exit(main())
