"""Child processes that run untrusted or unbounded work (the parse child, the frontier's
solver worker): how they are started and how they bound themselves. Imports only the
standard library, so a child that imports it starts fast."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def start_module(
    module: str,
    keep_stderr: bool,
    pass_fds: tuple[int, ...] = (),
    args: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
    talk: bool = True,
) -> subprocess.Popen[bytes]:
    """`python -m module [args]` with this checkout on its path, talking over stdin/stdout
    (`talk=False`: both are /dev/null), in a session of its own (a Ctrl-C to the server is
    not the child's). `pass_fds`: descriptors the child inherits under the same numbers
    (every other one is closed). `env`: variables added to this process's environment."""
    environ = dict(os.environ) | (env or {})
    environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), environ.get("PYTHONPATH", "")) if p)
    pipe = subprocess.PIPE if talk else subprocess.DEVNULL
    return subprocess.Popen(
        [sys.executable, "-m", module, *args],
        stdin=pipe,
        stdout=pipe,
        stderr=subprocess.PIPE if keep_stderr else subprocess.DEVNULL,
        env=environ,
        cwd=str(ROOT),
        start_new_session=True,
        pass_fds=pass_fds,
    )


def limit_self(memory_mb: int, cpu_seconds: float) -> None:
    """Address space = what is mapped now + memory_mb; CPU = used so far + cpu_seconds; no
    core dumps, no files written. Called by the child once its imports are done."""
    page = os.sysconf("SC_PAGE_SIZE")
    with open("/proc/self/statm") as fh:
        mapped = int(fh.read().split()[0]) * page
    memory = mapped + memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = int(usage.ru_utime + usage.ru_stime + cpu_seconds + 0.999)
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 2))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
