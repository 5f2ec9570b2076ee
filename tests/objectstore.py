"""An S3-compatible server on loopback for the object-store tests: moto's server
(`moto[server]`, pinned in requirements-dev.txt), started as a child process on a free port
of 127.0.0.1 and stopped when the test session ends. No test needs the internet."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

from bench.harness.serve import free_port

BUCKET = "epmo-test"


def s3_env(endpoint: str) -> dict[str, str]:
    """The standard variables that point the store (and any child process) at the server."""
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": "us-east-1",
    }


@contextlib.contextmanager
def moto_server() -> Iterator[str]:
    """Start moto's S3 server on a free loopback port; yields its endpoint URL."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=os.environ | {"MOTO_ALLOW_NONEXISTENT_REGION": "true"},
    )
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    try:
        while True:
            try:
                with urllib.request.urlopen(endpoint + "/moto-api/", timeout=1):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("moto's S3 server did not start") from None
                time.sleep(0.2)
        with _env(s3_env(endpoint)):
            from epmo import objectstore

            objectstore.make_bucket(f"s3://{BUCKET}/")
        yield endpoint
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


@contextlib.contextmanager
def _env(values: dict[str, str]) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


_SHARED: dict[str, str] = {}


def shared_endpoint() -> str:
    """One moto server for the whole process (the e2e suite's S3 switch), stopped at exit."""
    if "endpoint" not in _SHARED:
        import atexit

        server = moto_server()
        _SHARED["endpoint"] = server.__enter__()
        atexit.register(server.__exit__, None, None, None)
    return _SHARED["endpoint"]


def new_prefix(name: str = "store") -> str:
    """A fresh store URI in the test bucket (each test its own prefix)."""
    return f"s3://{BUCKET}/{name}-{uuid.uuid4().hex[:10]}"


def upload_tree(local: Path, uri: str) -> None:
    """Copy a local store (its Delta tables) under an s3:// prefix, keeping relative paths."""
    from epmo import objectstore

    objectstore.make_bucket(uri)
    fs = objectstore.arrow_filesystem(uri)
    root = uri.split("://", 1)[1]
    for path in sorted(local.rglob("*")):
        if path.is_file():
            with fs.open_output_stream(f"{root}/{path.relative_to(local).as_posix()}") as out:
                out.write(path.read_bytes())
