"""bench/suite_cpu.py: every kind of process the suite starts is told apart by its command
line, and the sampler counts a process that starts and exits during the run."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from bench.suite_cpu import Sampler, kind_of


@pytest.mark.parametrize(
    ("cmdline", "kind"),
    [
        ("/usr/lib/chromium/chromium --type=renderer --lang=en-US", "chromium renderer"),
        ("/usr/lib/chromium/chromium --type=gpu-process --no-sandbox", "chromium gpu"),
        ("/usr/lib/chromium/chromium --type=zygote", "chromium other"),
        ("/usr/lib/chromium/chromium --headless --no-sandbox --remote-debugging-pipe", "chromium browser"),
        (
            "/x/.venv/lib/python3.11/site-packages/playwright/driver/node run-driver",
            "playwright driver (node)",
        ),
        ("/x/.venv/bin/python -m streamlit run app.py --server.port 39919", "streamlit run"),
        ("/x/.venv/bin/python -m epmo.isolate", "upload parse child"),
        ("/x/.venv/bin/python /x/epmo/sandbox_worker.py", "explorer sandbox worker"),
        ("/x/.venv/bin/python -m moto.server -p 0", "S3 server (moto)"),
        ("/x/.venv/bin/python -c import sys;exec(eval(sys.stdin.readline()))", "pytest worker"),
        ("/x/.venv/bin/python -m pytest", "pytest controller"),
        (
            "/x/.venv/bin/python -m epmo ingest pm0.csv --as-of 2026-11-20",
            "epmo CLI and test helper processes",
        ),
        (
            "/x/.venv/bin/python -m tests.unit.maintenance_procs lease s g",
            "epmo CLI and test helper processes",
        ),
        ("/x/.venv/bin/python -m mypy epmo", "mypy"),
        ("/x/.venv/bin/python -c pass", "other python"),
        ("bash -c sleep 1", "other"),
    ],
)
def test_each_process_is_put_in_its_kind(cmdline: str, kind: str) -> None:
    assert kind_of(cmdline) == kind


def test_a_process_that_runs_during_the_sample_is_counted() -> None:
    sampler = Sampler(interval=0.05)
    busy = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time\nend = time.process_time() + 0.5\nwhile time.process_time() < end: pass",
        ]
    )
    while busy.poll() is None:
        sampler.sample()
        time.sleep(0.05)
    seconds, count = sampler.totals()
    assert count["other python"] >= 1
    assert 0.2 < seconds["other python"] < 5
