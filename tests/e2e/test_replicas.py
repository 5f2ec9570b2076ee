"""Two replicas (two `streamlit run` processes on two ports) over one store on a loopback S3
server (moto): what one replica commits is on the other's pages within a bounded time, a
replica SIGKILLed in the middle of an upload loses nothing, and a frozen deck's link shows
the same snapshot on the other replica even after new uploads arrive."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from deltalake import DeltaTable

from epmo import demo, integrity
from epmo.store import Store
from tests.e2e.conftest import DEMO_END, extract_input, on_s3, start, stop, wait_for_app
from tests.objectstore import _env

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group(name="e2e_a")]

# An upload through A must be on B's pages within this many seconds of A saying "Stored".
VISIBLE_WITHIN_S = 15.0


@pytest.fixture(scope="module")
def replicas(e2e_demo_template: Path) -> Iterator[dict[str, object]]:
    uri, env = on_s3(e2e_demo_template)
    a, url_a = start(uri, env)
    b, url_b = start(uri, env)
    try:
        yield {"uri": uri, "env": env, "a": a, "b": b, "url_a": url_a, "url_b": url_b}
    finally:
        for proc in (a, b):
            if proc.poll() is None:
                stop(proc)


def _store(replicas: dict[str, object]) -> Store:
    return Store(str(replicas["uri"]))


def _upload_on(page, url: str, workbook: Path, email: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{url}/upload")
    wait_for_app(page)
    # the uploader is the signed-in identity (demo mode here): no email to type
    extract_input(page).set_input_files(str(workbook))
    page.get_by_text("is valid").wait_for(timeout=60_000)


def _open_ledger(page, url: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{url}/submissions")
    page.locator("[data-testid='stDataFrame'] [role='row']").nth(1).wait_for(state="attached", timeout=90_000)
    wait_for_app(page, timeout=60_000)


def _ledger_rows_with(page, url: str, text: str, deadline: float) -> int:  # type: ignore[no-untyped-def]
    """Reload B's Submissions page until a ledger row mentions `text` (or the deadline)."""
    while True:
        _open_ledger(page, url)
        n = page.locator("[data-testid='stDataFrame'] [role='row']").filter(has_text=text).count()
        if n or time.monotonic() > deadline:
            return int(n)
        time.sleep(1)


def test_an_upload_through_a_is_on_b_within_bounded_time(page, replicas, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    workbook = tmp_path / "weekly_extract_replica.xlsx"
    workbook.write_bytes(demo.sample_extract("small", seed=5, end=DEMO_END))
    url_b = str(replicas["url_b"])
    _open_ledger(page, url_b)  # B has served (and cached) the ledger before the upload
    assert (
        page.locator("[data-testid='stDataFrame'] [role='row']")
        .filter(has_text="weekly_extract_replica")
        .count()
        == 0
    )
    _upload_on(page, str(replicas["url_a"]), workbook, "pm.replica@example.org")
    page.get_by_role("button", name="Commit upload").click()
    page.get_by_text("Stored as upload").wait_for(timeout=60_000)
    stored = time.monotonic()
    assert _ledger_rows_with(page, url_b, "weekly_extract_replica", stored + VISIBLE_WITHIN_S) == 1
    print(f"visible on B {time.monotonic() - stored:.1f} s after A stored it")


def _settled(page) -> None:  # type: ignore[no-untyped-def]
    """Wait until the page shows its replica's current data: while a replica builds a new
    version its pages show the previous one with a note, then rerun themselves (epmo/swr.py);
    read the page after that rerun, not during it."""
    page.get_by_text("newer data (version").first.wait_for(state="detached", timeout=60_000)
    wait_for_app(page, timeout=60_000)


def _data(values: list[str]) -> list[str]:
    """The deck's metrics but its "Data frozen at HH:MM UTC" (when each viewer opened it)."""
    return [v for v in values if not re.fullmatch(r"\d\d:\d\d UTC", v.strip())]


def test_a_frozen_deck_link_shows_the_same_on_b(browser, replicas) -> None:  # type: ignore[no-untyped-def]
    ctx_a = browser.new_context(viewport={"width": 1440, "height": 900})
    ctx_b = browser.new_context(viewport={"width": 1440, "height": 900})
    try:
        pa_, pb = ctx_a.new_page(), ctx_b.new_page()
        deck = "deck=Steering+committee&slide=1&as_of=" + DEMO_END.isoformat()
        pa_.goto(f"{replicas['url_a']}/deck?{deck}")
        pa_.get_by_role("heading", name="Portfolio overview").wait_for(timeout=90_000)
        wait_for_app(pa_, timeout=60_000)
        _settled(pa_)
        pa_.wait_for_function("() => location.search.includes('cutoff=')")
        link = pa_.url
        values_a = pa_.locator("[data-testid='stMetricValue']").all_inner_texts()
        assert len(values_a) >= 5
        # new data arrives after the freeze: the deck must not show it, on either replica
        with _env(dict(replicas["env"])):  # type: ignore[arg-type]
            store = _store(replicas)
            extra = demo.sample_extract("small", seed=9, end=DEMO_END)
            from epmo.ingest import ACCEPTED, ingest

            out = ingest(store, "late.xlsx", extra, as_of=DEMO_END, user_email="late@example.org")
            assert out.status == ACCEPTED
        pb.goto(link.replace(str(replicas["url_a"]), str(replicas["url_b"])))
        pb.get_by_role("heading", name="Portfolio overview").wait_for(timeout=90_000)
        wait_for_app(pb, timeout=60_000)
        _settled(pb)
        values_b = pb.locator("[data-testid='stMetricValue']").all_inner_texts()
        assert _data(values_b) == _data(values_a)
        # and the same deck opened without the link's cutoff does show the late upload
        pb.goto(f"{replicas['url_b']}/deck?{deck}")
        pb.get_by_role("heading", name="Portfolio overview").wait_for(timeout=90_000)
        wait_for_app(pb, timeout=60_000)
        _settled(pb)
        assert _data(pb.locator("[data-testid='stMetricValue']").all_inner_texts()) != _data(values_a)
    finally:
        ctx_a.close()
        ctx_b.close()


def test_sigkill_of_a_replica_during_an_upload_loses_nothing(page, replicas, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with _env(dict(replicas["env"])):  # type: ignore[arg-type]
        before = _store(replicas).rows("export/uploads")
    workbook = tmp_path / "weekly_extract_killed.xlsx"
    workbook.write_bytes(demo.sample_extract("small", seed=11, end=DEMO_END))
    a = replicas["a"]
    _upload_on(page, str(replicas["url_a"]), workbook, "pm.killed@example.org")
    with _env(dict(replicas["env"])):  # type: ignore[arg-type]
        projects = DeltaTable(f"{replicas['uri']}/projects", storage_options=_store(replicas).storage_options)
        version = projects.version()
        page.get_by_role("button", name="Commit upload").click()
        # kill A once its data commits have landed and (very likely) before the ledger row,
        # the commit point: the rows written must stay invisible
        deadline = time.monotonic() + 60
        while projects.version() == version and time.monotonic() < deadline:
            time.sleep(0.02)
            projects.update_incremental()
    a.kill()  # type: ignore[attr-defined]
    a.wait(10)  # type: ignore[attr-defined]
    with _env(dict(replicas["env"])):  # type: ignore[arg-type]
        store = Store(str(replicas["uri"]))
        after = store.rows("export/uploads")
        result = integrity.check(store)
    assert result.ok, result.text()
    assert {u["upload_id"] for u in before} <= {u["upload_id"] for u in after}
    killed = [u for u in after if u["user_email"] == "pm.killed@example.org"]
    assert len(killed) <= 1  # committed whole (the ledger row is the commit point) or not at all
    print(f"killed upload {'committed' if killed else 'not committed'}; {len(after)} uploads")
    # B still serves, and shows the ledger as the store has it
    _open_ledger(page, str(replicas["url_b"]))
    n = page.locator("[data-testid='stDataFrame'] [role='row']").filter(has_text="pm.killed@").count()
    assert n == len(killed)
