"""The app as users get it: a real `streamlit run`, driven by headless Chromium (Playwright).

- peak resident memory of the server process tree while every page is visited
  (read from /proc/<pid>/status: VmRSS of the process and its children, sampled; VmHWM)
- seconds from navigation until every chart of a page has rendered and the script
  finished running (Streamlit's running indicator gone)
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from bench.harness import serve

ROOT = Path(__file__).resolve().parents[2]

# url path -> page title: every page of app.py, visited for the memory figure
PAGE_URLS = {
    "": "Home",
    "health": "Portfolio health",
    "changes": "What changed",
    "project": "Project",
    "capacity": "Capacity heatmap",
    "capacity_whatif": "What-if",
    "priority_ranking": "Ranking",
    "priority_sensitivity": "Sensitivity",
    "priority_selection": "Portfolio selection",
    "priority_models": "Scoring models",
    "upload": "Upload",
    "submissions": "Submissions",
    "data_quality": "Data quality",
    "tables": "Tables",
}
TIMED_PAGES = {
    "": "Home",
    "health": "Portfolio health",
    "capacity": "Capacity heatmap",
    "priority_ranking": "Ranking",
}

_DONE_JS = """(minCharts) => {
  // every page starts with st.title: until its h1 is shown the script has not run yet
  if (!document.querySelector('[data-testid="stMain"] h1')) return false;
  if (document.querySelector('[data-testid="stStatusWidget"]')) return false;
  if (document.querySelector('[data-testid="stSkeleton"]')) return false;
  const charts = Array.from(document.querySelectorAll('[data-testid="stPlotlyChart"]'))
    .filter(el => el.offsetParent !== null);
  if (charts.length < minCharts) return false;
  return charts.every(el => el.querySelector('.js-plotly-plot .main-svg'));
}"""


def chromium_path() -> str | None:
    explicit = os.environ.get("EPMO_CHROMIUM")
    if explicit:
        return explicit
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


@contextmanager
def streamlit_app(
    store_uri: str, memory_limit: str | None = None, script: str = "app.py"
) -> Iterator[tuple[str, int]]:
    """A `streamlit run app.py` (or another script) on a free port over the store; yields (url, pid)."""
    try:
        proc, url = serve.start({"EPMO_STORE": store_uri}, script=script, capture=False, timeout=120)
    except serve.NotStarted as exc:
        raise RuntimeError(str(exc)) from None
    try:
        yield url, proc.pid
    finally:
        serve.stop(proc, grace=15)


def _status_kb(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            text = (task / "children").read_text().split()
            out += [int(c) for c in text]
    except OSError:
        pass
    return out


def tree_rss_kb(pid: int) -> int:
    """VmRSS of the process and all its descendants, in kB."""
    total, todo, seen = 0, [pid], set()
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        total += _status_kb(p, "VmRSS")
        todo += _children(p)
    return total


class RssSampler:
    """Samples tree_rss_kb(pid) every `interval` seconds in a thread; keeps the peak."""

    def __init__(self, pid: int, interval: float = 0.1):
        self.pid, self.interval = pid, interval
        self.peak_kb = 0
        self.hwm_kb = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_kb = max(self.peak_kb, tree_rss_kb(self.pid))
            self.hwm_kb = max(self.hwm_kb, _status_kb(self.pid, "VmHWM"))
            self.samples += 1
            self._stop.wait(self.interval)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


@contextmanager
def _browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    path = chromium_path()
    if path is None:
        raise RuntimeError("Chromium is not installed (`make chromium` installs the Debian package)")
    with sync_playwright() as pw:
        b = pw.chromium.launch(
            executable_path=path,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
        )
        try:
            yield b
        finally:
            b.close()


def _new_page(browser: Any) -> Any:
    return browser.new_context(viewport={"width": 1440, "height": 900}).new_page()


def _settled(page: Any, min_charts: int, timeout_ms: float) -> None:
    page.wait_for_function(_DONE_JS, arg=min_charts, timeout=timeout_ms, polling=50)


def _visit(browser: Any, url: str, min_charts: int, timeout_ms: float) -> float:
    """Seconds from navigation until the script finished and every chart in view rendered,
    in a new browser context (empty browser cache)."""
    page = _new_page(browser)
    try:
        t0 = time.perf_counter()
        page.goto(url, wait_until="commit", timeout=timeout_ms)
        _settled(page, min_charts, timeout_ms)
        return time.perf_counter() - t0
    finally:
        page.context.close()


def _open_address(page: Any, url: str, min_charts: int, timeout_ms: float) -> float:
    """Open an address in a tab whose browser cache already holds Streamlit's JavaScript."""
    t0 = time.perf_counter()
    page.goto(url, wait_until="commit", timeout=timeout_ms)
    _settled(page, min_charts, timeout_ms)
    return time.perf_counter() - t0


_TITLE_CHANGED_JS = """(before) => {
  const h = document.querySelector('[data-testid="stMain"] h1');
  return h !== null && h.innerText !== before;
}"""


def _navigate(page: Any, title: str, min_charts: int, timeout_ms: float) -> float:
    """Click a page in the navigation of a running session, as a user moves between pages
    (the navigation is in the header: a page may sit in a section's drop-down, opened first
    and not timed)."""
    before = page.locator('[data-testid="stMain"] h1').first.inner_text()
    nav = '[data-testid="stTopNavLink"], [data-testid="stTopNavDropdownLink"], [data-testid="stSidebarNav"] a'
    link = page.locator(nav, has_text=title).first
    if not link.is_visible():
        sections = page.locator('[data-testid="stTopNavSection"]')
        for i in range(sections.count()):
            sections.nth(i).click()
            try:
                link.wait_for(state="visible", timeout=1_000)
                break
            except Exception:  # noqa: BLE001 (not in this section: close it, try the next)
                page.keyboard.press("Escape")
    t0 = time.perf_counter()
    link.click()
    page.wait_for_function(_TITLE_CHANGED_JS, arg=before, timeout=timeout_ms, polling=50)
    _settled(page, min_charts, timeout_ms)
    return time.perf_counter() - t0


MIN_CHARTS = {"": 1, "health": 2, "capacity": 1, "priority_ranking": 1}
# How a page is reached, each timed separately (see chart_timing)
MODES = {
    "navigate": "click in the sidebar",
    "address": "open its address, browser cache warm",
    "first_visit": "new browser, empty cache",
}


def _figures(times: list[float]) -> dict[str, Any]:
    return {
        "runs_s": [round(t, 2) for t in times],
        "first_s": round(times[0], 2),
        "median_s": round(statistics.median(times), 2),
        "max_s": round(max(times), 2),
    }


def chart_timing(
    store_uri: str, runs: int, log: Callable[[str], None], pages: dict[str, str] | None = None
) -> dict[str, Any]:
    """Seconds until every chart of each page rendered, `runs` times per page and way of
    reaching it (MODES): clicking it in the sidebar of an open session; opening its address
    in a tab whose browser cache is warm; and a new browser with an empty cache, which also
    downloads and compiles Streamlit's JavaScript (plotly.js alone is 4.7 MB). The server's
    first run of each page (empty query cache) is in the first-visit runs."""
    timed = pages or TIMED_PAGES
    out: dict[str, Any] = {title: {"url_path": "/" + path, "modes": {}} for path, title in timed.items()}
    times: dict[str, dict[str, list[float]]] = {title: {m: [] for m in MODES} for title in timed.values()}
    with _browser() as browser:  # one browser (and one Playwright driver) for both servers
        with streamlit_app(store_uri) as (url, _pid):
            _visit(browser, url + "/", 1, 180_000)  # the server's first script run (imports, connect)
            for path, title in timed.items():
                times[title]["first_visit"] = [
                    _visit(browser, f"{url}/{path}", MIN_CHARTS.get(path, 1), 120_000) for _ in range(runs)
                ]
            page = _new_page(browser)
            try:
                first = next(iter(timed))
                _open_address(page, f"{url}/{first}", MIN_CHARTS.get(first, 1), 120_000)
                for _ in range(runs):
                    for path, title in timed.items():
                        n = MIN_CHARTS.get(path, 1)
                        times[title]["address"].append(_open_address(page, f"{url}/{path}", n, 120_000))
                    # the address loop ends on the last page: each page is reached from the one
                    # before it, the first from the last
                    for path, title in timed.items():
                        times[title]["navigate"].append(
                            _navigate(page, title, MIN_CHARTS.get(path, 1), 120_000)
                        )
            finally:
                page.context.close()
        floor = baseline_timing(runs, browser)
    log(
        f"  browser {'one-chart Streamlit page':<18} "
        + " · ".join(f"{MODES[m]} {floor[m]['median_s']:.2f} s" for m in floor)
    )
    for title, modes in times.items():
        out[title]["modes"] = {m: _figures(v) for m, v in modes.items()}
        figs = out[title]["modes"]
        log(f"  browser {title:<18} " + " · ".join(f"{MODES[m]} {figs[m]['median_s']:.2f} s" for m in MODES))
    return {"pages": out, "runs": runs, "modes": MODES, "baseline": floor}


def baseline_timing(runs: int, browser: Any = None) -> dict[str, Any]:
    """The same timings of bench/baseline_app.py, one plotly chart and nothing else: what
    Streamlit and plotly.js cost on this machine before any of our work (no sidebar, so no
    click-in-the-sidebar figure). `browser`: an open one to use (else it launches its own)."""
    with ExitStack() as stack:
        url, _pid = stack.enter_context(streamlit_app("", script="bench/baseline_app.py"))
        if browser is None:
            browser = stack.enter_context(_browser())
        _visit(browser, url + "/", 1, 120_000)
        fresh = [_visit(browser, url + "/", 1, 120_000) for _ in range(runs)]
        page = _new_page(browser)
        try:
            _open_address(page, url + "/", 1, 120_000)
            warm = [_open_address(page, url + "/", 1, 120_000) for _ in range(runs)]
        finally:
            page.context.close()
    return {"address": _figures(warm), "first_visit": _figures(fresh)}


def script_timing(
    store_uri: str, runs: int, log: Callable[[str], None], pages: list[str] | None = None
) -> dict[str, Any]:
    """Each page's whole script (queries, charts, tables) timed by bench/page_scripts.py with
    Streamlit's AppTest, in its own process (epmo never imports streamlit)."""
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "page_scripts.py"),
            store_uri,
            "--runs",
            str(runs),
            *(["--pages", ",".join(pages)] if pages else []),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"bench/page_scripts.py failed: {proc.stderr.strip()[-2000:]}")
    for line in proc.stderr.splitlines():
        if line.strip().startswith("page script"):
            log(line)
    figures: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return {"pages": figures, "runs": runs}


def peak_memory(store_uri: str, log: Callable[[str], None]) -> dict[str, Any]:
    """Peak RSS of the streamlit server (and children) while every page is visited twice."""
    visited: list[str] = []
    with streamlit_app(store_uri) as (url, pid), RssSampler(pid) as sampler, _browser() as browser:
        idle_kb = tree_rss_kb(pid)
        for _ in range(2):
            for path, title in PAGE_URLS.items():
                try:
                    _visit(browser, f"{url}/{path}", 0, 600_000)
                    visited.append(title)
                except Exception as exc:  # a page that never settles still counts its memory
                    visited.append(f"{title} (did not settle: {type(exc).__name__})")
        after_kb = tree_rss_kb(pid)
    out = {
        "peak_rss_mb": round(sampler.peak_kb / 1024, 1),
        "server_vmhwm_mb": round(sampler.hwm_kb / 1024, 1),
        "idle_rss_mb": round(idle_kb / 1024, 1),
        "end_rss_mb": round(after_kb / 1024, 1),
        "samples": sampler.samples,
        "pages_visited": visited,
    }
    log(f"  memory: peak {out['peak_rss_mb']:,.0f} MB (server VmHWM {out['server_vmhwm_mb']:,.0f} MB)")
    return out
