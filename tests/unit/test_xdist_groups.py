"""The suite's test groups are honoured: `--dist loadgroup` sends every test marked
`xdist_group(name=...)` to one worker.

The browser modules rely on it (each group's modules share one Chromium, and the
`reads_only` ones one server per worker, tests/e2e/conftest.py), and so does the loopback S3
group. pytest 9.2 silently broke it with pytest-xdist 3.8 (the group is written into a node
id field pytest 9.2 no longer reads: pytest-dev/pytest-xdist#1386): nothing failed, the
tests were spread as if unmarked, each module's server and browser tab started once per
worker. This runs a small grouped suite the way the project runs its own and checks where
each test ran."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

GROUPED = """
import pytest
pytestmark = pytest.mark.xdist_group(name="{group}")

@pytest.mark.parametrize("i", range(4))
def test_grouped(i):
    pass
"""

UNGROUPED = """
import pytest

@pytest.mark.parametrize("i", range(8))
def test_free(i):
    pass
"""


def test_the_project_distributes_by_group() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    addopts = config["tool"]["pytest"]["ini_options"]["addopts"].split()
    assert "loadgroup" in addopts and addopts[addopts.index("loadgroup") - 1] == "--dist", addopts


def test_each_group_runs_on_one_worker(tmp_path: Path) -> None:
    (tmp_path / "test_one.py").write_text(GROUPED.format(group="one"))
    (tmp_path / "test_two.py").write_text(GROUPED.format(group="two"))
    (tmp_path / "test_free.py").write_text(UNGROUPED)
    (tmp_path / "pytest.ini").write_text("[pytest]\n")  # not the project's settings or conftest
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COV_"))}
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "-n", "2", "--dist", "loadgroup", "-v", "-p", "no:cacheprovider"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    ran = re.findall(r"\[(gw\d+)\] \[\s*\d+%\] PASSED (\S+)", out.stdout)
    assert len(ran) == 16, out.stdout
    for group in ("one", "two"):
        workers = {w for w, test in ran if test.startswith(f"test_{group}.py")}
        ids = [test for _, test in ran if test.startswith(f"test_{group}.py")]
        assert len(ids) == 4 and all(test.endswith(f"@{group}") for test in ids), ids
        assert len(workers) == 1, f"group {group!r} ran on {sorted(workers)}"
    free = [test for _, test in ran if test.startswith("test_free.py")]
    assert len(free) == 8 and not any("@" in test for test in free), free
