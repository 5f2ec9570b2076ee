"""Deployment helpers: the readiness check a container platform calls (`python -m epmo
health`), and the settings a replica takes from its environment (docs/deployment.md)."""

from __future__ import annotations

import time
import urllib.request

from epmo.store import Store


def health(store: Store, url: str | None = None, timeout: float = 5.0) -> tuple[bool, list[str]]:
    """Is this replica ready? Its Streamlit server answers (when `url` is given) and the
    store's Delta logs can be read (the ledger's version). Returns (ok, lines in words)."""
    lines: list[str] = []
    ok = True
    if url:
        try:
            with urllib.request.urlopen(url.rstrip("/") + "/_stcore/health", timeout=timeout) as r:  # noqa: S310
                body = r.read(64).decode("utf-8", "replace").strip()
            lines.append(f"ok   server {url} says {body!r}")
        except OSError as exc:
            ok = False
            lines.append(f"FAIL server {url}: {exc}")
    started = time.perf_counter()
    try:
        if not store.exists():
            ok = False
            lines.append(f"FAIL store {store.uri}: no store there (load data with `ingest` or `demo`)")
        else:
            versions = dict(store.snapshot(fresh=True).versions)
            ms = (time.perf_counter() - started) * 1000
            lines.append(f"ok   store {store.uri}: ledger version {versions['uploads']} read in {ms:.0f} ms")
    except Exception as exc:  # any failure to read the store means: not ready
        from epmo.store import read_failure

        ok = False
        cause = read_failure(exc, store.uri)
        said = f"cannot be read: {cause}" if cause else f"{type(exc).__name__}: {' '.join(str(exc).split())}"
        lines.append(f"FAIL store {store.uri}: {said}")
    return ok, lines
