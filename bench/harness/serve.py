"""A real `streamlit run` on a free loopback port: the one way the benchmarks, the load
tool and the browser tests start the app (stdlib only, no pytest)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections import deque
from collections.abc import Mapping, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


class NotStarted(RuntimeError):
    """The server did not answer its health check in time (the message carries its output)."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(
    env: Mapping[str, str],
    *,
    script: str = "app.py",
    extra_args: Sequence[str] = (),
    capture: bool = True,
    timeout: float = 60,
    port: int | None = None,
) -> tuple[subprocess.Popen[bytes], str]:
    """Start `streamlit run <script>` with `env` added to this process's environment;
    returns the process and its URL once `/_stcore/health` answers. Raises NotStarted
    (with the server's output when `capture`) if it does not within `timeout` seconds.
    `port`: when the caller must know it first (an OIDC redirect URI), else a free one."""
    port = port or free_port()
    out = subprocess.PIPE if capture else subprocess.DEVNULL
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            script,
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
            "--server.fileWatcherType",
            "none",
            "--browser.gatherUsageStats",
            "false",
            *extra_args,
        ],
        cwd=ROOT,
        env=os.environ | dict(env),
        stdout=out,
        stderr=subprocess.STDOUT if capture else subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    tail: deque[bytes] = deque(maxlen=400)
    if proc.stdout is not None:
        # Read the server's output all along (a pipe nobody reads fills at 64 KB and then
        # blocks the server on its next log line); the last lines are kept for `output`.
        reader = threading.Thread(target=_drain, args=(proc.stdout, tail), daemon=True)
        reader.start()
        _tails[proc.pid] = (reader, tail)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=1) as r:  # noqa: S310 (loopback)
                if r.status == 200:
                    return proc, url
        except OSError:
            time.sleep(0.3)
    proc.kill()
    proc.wait()
    raise NotStarted(f"streamlit did not start within {timeout:.0f} s:\n{output(proc)}")


_tails: dict[int, tuple[threading.Thread, deque[bytes]]] = {}


def _drain(stream: object, tail: deque[bytes]) -> None:
    for line in iter(stream.readline, b""):  # type: ignore[attr-defined]
        tail.append(line)


def output(proc: subprocess.Popen[bytes]) -> str:
    """The last lines the server wrote (stdout and stderr; empty when not captured); after
    the process has exited, everything up to its end."""
    if proc.pid not in _tails:
        return ""
    reader, tail = _tails[proc.pid]
    if proc.poll() is not None:
        reader.join(timeout=5)
    return b"".join(tail).decode(errors="replace")


def stop(proc: subprocess.Popen[bytes], grace: float = 10) -> None:
    """Terminate, then kill after `grace` seconds."""
    proc.terminate()
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(grace)
