"""Where a command's CPU goes, by kind of process: the test suite's time, split.

    .venv/bin/python bench/suite_cpu.py [--interval 0.3] [--json OUT] -- make test
    .venv/bin/python bench/suite_cpu.py -- .venv/bin/python -m pytest tests/e2e -q

Runs the command and, every `interval` seconds while it runs, reads the CPU time (user +
system) of every process on the machine from /proc; a process first seen during the run
counts from zero, one that was already running counts from its value at the start. At the
end it prints the CPU seconds of each kind of process (pytest workers, `streamlit run`
servers, Chromium's renderers, the upload parse children, the explorer's sandbox workers,
the loopback S3 server, CLI processes...), how many there were, and the command's wall time
against the machine's cores. A process that lives less than one interval can be missed, so
the totals are a lower bound (compare with the `user`/`sys` of `time`). Linux only; it only
reads /proc. Asserts nothing: the figures go to docs/benchmarks.md (The test suite's time).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import threading
import time
from collections import Counter

HZ = os.sysconf("SC_CLK_TCK")
KINDS: list[tuple[str, str]] = [  # (kind, regular expression on the command line), first match wins
    ("chromium renderer", r"chrom.*--type=renderer"),
    ("chromium gpu", r"chrom.*--type=gpu-process"),
    ("chromium other", r"chrom.*--type="),
    ("chromium browser", r"chrom"),
    ("playwright driver (node)", r"playwright.*node|node.*playwright"),
    ("streamlit run", r"streamlit run"),
    ("upload parse child", r"-m epmo\.isolate"),
    ("explorer sandbox worker", r"sandbox_worker"),
    ("S3 server (moto)", r"moto"),
    ("OIDC provider", r"oidc"),
    ("pytest worker", r"execnet|xdist|import sys;exec\(eval\(sys\.stdin"),
    ("pytest controller", r"-m pytest"),
    ("mypy", r"mypy"),
    ("ruff", r"ruff"),
    ("epmo CLI and test helper processes", r"-m (epmo|tests\.|bench\.)|bench/"),
    ("other python", r"python"),
]
_COMPILED = [(kind, re.compile(pattern)) for kind, pattern in KINDS]


def kind_of(cmdline: str) -> str:
    for kind, pattern in _COMPILED:
        if pattern.search(cmdline):
            return kind
    return "other"


def _read(pid: str) -> tuple[str, float, str] | None:
    """(identity, CPU seconds, command line) of a process, or None once it has gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
        fields = stat[stat.rindex(")") + 2 :].split()
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            cmd = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except (OSError, ValueError, IndexError):
        return None
    cpu = (int(fields[11]) + int(fields[12])) / HZ
    return f"{pid}:{fields[19]}", cpu, cmd  # pid and start time: a reused pid is a new process


class Sampler:
    def __init__(self, interval: float) -> None:
        self.interval = interval
        self.start: dict[str, float] = {}
        self.last: dict[str, tuple[str, float]] = {}
        self.stop = threading.Event()
        me = str(os.getpid())
        for pid in os.listdir("/proc"):
            if pid.isdigit() and pid != me and (r := _read(pid)):
                self.start[r[0]] = r[1]

    def sample(self) -> None:
        me = str(os.getpid())
        for pid in os.listdir("/proc"):
            if not pid.isdigit() or pid == me:
                continue
            r = _read(pid)
            if r is None or not r[2]:  # gone, or a kernel thread
                continue
            key, cpu, cmd = r
            self.last[key] = (self.last.get(key, (cmd, 0.0))[0], cpu - self.start.get(key, 0.0))

    def run(self) -> None:
        while not self.stop.is_set():
            self.sample()
            self.stop.wait(self.interval)

    def totals(self) -> tuple[Counter[str], Counter[str]]:
        seconds: Counter[str] = Counter()
        count: Counter[str] = Counter()
        for cmd, cpu in self.last.values():
            if cpu > 0:
                kind = kind_of(cmd)
                seconds[kind] += cpu
                count[kind] += 1
        return seconds, count


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--interval", type=float, default=0.3)
    ap.add_argument("--json", help="also write the per-kind figures here")
    ap.add_argument("command", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        ap.error("give the command to run after --")
    sampler = Sampler(args.interval)
    thread = threading.Thread(target=sampler.run, daemon=True)
    thread.start()
    t0 = time.perf_counter()
    code = subprocess.call(command)
    wall = time.perf_counter() - t0
    sampler.stop.set()
    thread.join()
    seconds, count = sampler.totals()
    total = sum(seconds.values())
    cores = os.cpu_count() or 1
    print(f"\n{' '.join(command)}: exit {code}, wall {wall:.0f} s")
    print(f"CPU seen {total:.0f} s = {total / wall:.2f} of {cores} cores busy on average")
    print(f"{'kind of process':<40} {'CPU s':>8} {'share':>6} {'processes':>10}")
    for kind, cpu in seconds.most_common():
        print(f"{kind:<40} {cpu:8.1f} {cpu / total:6.1%} {count[kind]:10d}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"command": command, "wall_s": wall, "exit": code, "cpu_s": dict(seconds)}, f, indent=1)
    return code


if __name__ == "__main__":
    sys.exit(main())
