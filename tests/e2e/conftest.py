"""Playwright against a real `streamlit run`, in the system's headless Chromium.

Like Streamlit's own e2e suite: start the app on a free port with its own store, wait for
the script to finish running, drive widgets, assert on what is shown. Screenshots go to
test-artifacts/screenshots/ for review.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from bench.harness import serve as streamlit_server

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-artifacts" / "screenshots"
DEMO_END = dt.date(2026, 11, 20)

# expect(...) waits as long as the page waits (wait_for_app): Streamlit loads each kind of
# element's code when a page first shows one, and a busy server sends it late
expect.set_options(timeout=30_000)


def chromium_path() -> str:
    explicit = os.environ.get("EPMO_CHROMIUM")
    if explicit:
        return explicit
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    pytest.fail("Chromium is not installed; `make test` installs it (Debian package 'chromium').")


@pytest.fixture(scope="session")
def e2e_demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small demo store, built once per test session and copied for each module."""
    from epmo import demo
    from epmo.store import Store

    store = tmp_path_factory.mktemp("e2e_template") / "store"
    demo.load_demo(Store(str(store)), scale="small", seed=3, end=DEMO_END)
    return store


def s3_switch() -> bool:
    """EPMO_TEST_STORE=s3 (`make test-s3`): every server of the suite runs on a copy of its
    store on a loopback S3 server (moto) instead of a local directory."""
    value = os.environ.get("EPMO_TEST_STORE", "local")
    if value not in ("local", "s3"):
        pytest.fail(f"EPMO_TEST_STORE must be 'local' or 's3', not {value!r}")
    return value == "s3"


def on_s3(store: Path | str) -> tuple[str, dict[str, str]]:
    """A copy of a local store on the loopback S3 server (started once for the session);
    returns its URI and the environment a process needs to reach it."""
    from tests.objectstore import new_prefix, s3_env, shared_endpoint, upload_tree

    env = s3_env(shared_endpoint())
    uri = new_prefix("e2e")
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        if isinstance(store, Path):
            upload_tree(store, uri)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return uri, env


def start(store: Path | str, extra_env: dict[str, str] | None = None) -> tuple[subprocess.Popen[bytes], str]:
    """Start `streamlit run app.py` on a free loopback port over `store`; returns the process
    and its URL once it answers its health check."""
    try:
        return streamlit_server.start({"EPMO_STORE": str(store)} | (extra_env or {}))
    except streamlit_server.NotStarted as exc:
        pytest.fail(str(exc))


def stop(proc: subprocess.Popen[bytes]) -> None:
    streamlit_server.stop(proc)


@contextlib.contextmanager
def serve(store: Path | str, extra_env: dict[str, str] | None = None) -> Iterator[str]:
    """A real `streamlit run app.py` on a free loopback port over `store`; yields its URL.

    The process inherits the pinned clock of tests/conftest.py (EPMO_TODAY), so the
    default reporting week never depends on the day the suite runs. With the S3 switch on
    (EPMO_TEST_STORE=s3), a local store is first copied to the loopback S3 server and the
    app serves it from there.
    """
    if s3_switch() and isinstance(store, Path):
        uri, s3 = on_s3(store)
        store, extra_env = uri, s3 | (extra_env or {})
    proc, url = start(store, extra_env)
    try:
        yield url
    finally:
        stop(proc)


@pytest.fixture(scope="module")
def app_url(
    request: pytest.FixtureRequest, e2e_demo_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """Each test module that changes the store gets its own copy of the demo store and its
    own server, so what one module uploads or retracts never changes what another expects,
    in any order. A module marked `reads_only` (it uploads, retracts, saves and freezes
    nothing) gets the worker's shared server instead, its caches warm from the modules
    before it: a server's start and its first run of each page are most of its CPU."""
    if request.node.get_closest_marker("reads_only"):
        yield request.getfixturevalue("_shared_app_url")
        return
    store = tmp_path_factory.mktemp("e2e") / "store"
    shutil.copytree(e2e_demo_template, store)
    with serve(store) as url:
        yield url


@pytest.fixture(scope="session")
def _shared_app_url(e2e_demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The server the `reads_only` modules of a test worker share, on a copy of the demo store.
    At the end every table of the store, the audit trail included, must have the commits it
    had at the start, or a module marked `reads_only` wrote."""
    store = tmp_path_factory.mktemp("e2e_shared") / "store"
    shutil.copytree(e2e_demo_template, store)
    before = _commits(store)
    with serve(store) as url:
        yield url
    if not s3_switch():  # on S3 the server's store is a copy there
        after = _commits(store)
        assert after == before, f"a module marked reads_only changed the shared store: {before} -> {after}"


def _commits(store: Path) -> dict[str, int]:
    """Commits per table of a local store."""
    return {log.parent.name: len(list(log.glob("*.json"))) for log in store.glob("*/_delta_log")}


@pytest.fixture(scope="session")
def browser():  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(
            executable_path=chromium_path(),
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield b
        b.close()


VIEWPORT = {"width": 1440, "height": 900}


@pytest.fixture(scope="module")
def _module_tab(browser):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=VIEWPORT)
    yield context.new_page()
    context.close()


@pytest.fixture
def page(request, browser):  # type: ignore[no-untyped-def]
    """A browser tab at 1440 x 900.

    The tests of a module share one tab (each gets it at the default size, and any other
    tab it opened is closed after it): Chromium gives each new tab a new
    renderer process that compiles Streamlit's scripts again, about 2.7 CPU seconds a
    test, while a navigation in the same tab reuses them. Nothing a test leaves carries
    over: every page load is a new Streamlit session. A module whose tests sign in as
    different people (cookies) marks itself `fresh_context` and gets a new context each.
    """
    if request.node.get_closest_marker("fresh_context"):
        context = browser.new_context(viewport=VIEWPORT)
        yield context.new_page()
        context.close()
        return
    yield request.getfixturevalue("tab")(**VIEWPORT)


@pytest.fixture
def tab(_module_tab):  # type: ignore[no-untyped-def]
    """`tab(width, height)`: the module's shared browser tab (see `page`) at that size (still
    on the previous test's page: every test starts with a `goto`); other tabs the test opens
    in its context are closed after it."""

    def at(width: int, height: int):  # type: ignore[no-untyped-def]
        _module_tab.set_viewport_size({"width": width, "height": height})
        return _module_tab

    yield at
    for other in _module_tab.context.pages:
        if other is not _module_tab:
            other.close()


def wait_for_app(page, timeout: float = 30_000) -> None:  # type: ignore[no-untyped-def]
    """Wait until Streamlit has finished running the script and the page shows its replica's
    current data (not the previous version, which a replica shows with a note while it builds
    the new one, then reruns the page: epmo/swr.py)."""
    # The app's own state attributes (Streamlit's e2e suite waits on them too): the script has
    # run at least once and is not running now. The status widget alone was not enough: it is
    # absent before the first run starts, so a wait could end before the page was drawn.
    page.wait_for_function(
        "() => { const app = document.querySelector('[data-testid=\"stApp\"]');"
        " return app && app.dataset.testConnectionState === 'CONNECTED'"
        " && app.dataset.testScriptState === 'notRunning'"
        " && !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " && document.querySelector('[data-testid=\"stMain\"]')"
        " && !document.body.innerText.includes('newer data (version'); }",
        timeout=timeout,
    )
    page.wait_for_timeout(400)


def shot(page, name: str) -> Path:  # type: ignore[no-untyped-def]
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.wait_for_timeout(1200)  # let data grids and charts paint before the picture
    page.screenshot(path=str(path), full_page=True)
    return path


def extract_input(page):  # type: ignore[no-untyped-def]
    """The Upload page's "Weekly extract" file input (the page has a second one, the status
    history of a work-item export, inside its Work items expander)."""
    return (
        page.locator("[data-testid='stFileUploader']")
        .filter(has_text="Weekly extract")
        .locator("[data-testid='stFileUploaderDropzoneInput']")
    )
