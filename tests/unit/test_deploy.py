"""The deployment files: the compose file parses and wires what docs/deployment.md says,
the Dockerfile copies what exists, and its command and health check work here (no
container runtime on this machine: the image itself is not built by the suite)."""

from __future__ import annotations

import json
import os
import re
import shlex
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import yaml

from epmo.cli import main

ROOT = Path(__file__).resolve().parents[2]


def dockerfile() -> dict[str, object]:
    """ENV, COPY sources, CMD and HEALTHCHECK of the Dockerfile (continuations joined)."""
    text = re.sub(r"\\\n\s*", " ", (ROOT / "Dockerfile").read_text(encoding="utf-8"))
    env: dict[str, str] = {}
    copies: list[str] = []
    out: dict[str, object] = {"env": env, "copies": copies}
    for line in text.splitlines():
        word, _, rest = line.strip().partition(" ")
        if word == "ENV":
            env.update(dict(p.split("=", 1) for p in shlex.split(rest)))
        elif word == "COPY":
            copies += shlex.split(rest)[:-1]
        elif word == "CMD":
            out["cmd"] = json.loads(rest)
        elif word == "HEALTHCHECK":
            out["health"] = json.loads(rest.split(" CMD ", 1)[1])
    return out


class _ComposeLoader(yaml.SafeLoader):
    """YAML with Compose's merge tags (`!reset` empties what the file it overrides set)."""


_ComposeLoader.add_constructor("!reset", lambda loader, node: "!reset")


def compose_file(name: str) -> dict[str, Any]:
    return yaml.load((ROOT / "deploy" / name).read_text(encoding="utf-8"), _ComposeLoader)  # noqa: S506 (safe loader + one tag)


def test_compose_file_wires_store_replicas_sticky_proxy_and_signin() -> None:
    compose = compose_file("compose.yaml")
    services = compose["services"]
    assert {"objectstore", "bucket", "app", "proxy", "maintainer"} <= set(services)
    app = services["app"]
    assert app["environment"]["EPMO_STORE"].startswith("s3://")
    assert app["environment"]["AWS_ENDPOINT_URL"] == "http://objectstore:9000"
    assert "STREAMLIT_SERVER_COOKIE_SECRET" in app["environment"]  # one secret for every replica
    assert app["deploy"]["replicas"] == "${EPMO_REPLICAS:-2}"
    labels = app["labels"]
    assert labels["traefik.http.services.epmo.loadbalancer.sticky.cookie"] == "true"
    assert labels["traefik.http.services.epmo.loadbalancer.healthcheck.path"] == "/_stcore/health"
    maintainer = services["maintainer"]
    assert maintainer["environment"] == app["environment"] | {"EPMO_MAINTAINER": "${EPMO_MAINTAINER:-}"}
    assert 'maintain --as "$$EPMO_MAINTAINER"' in maintainer["command"][0]
    assert "ports" in services["proxy"]  # the open setup: Traefik is the way in
    # Sign-in: an override file. The app trusts the sign-in proxy's header, so nothing but
    # that proxy may be published (a request straight to Traefik could claim any address).
    signin = compose_file("compose.signin.yaml")["services"]
    assert signin["app"]["environment"]["EPMO_AUTH"] == "proxy"
    headers = json.loads(signin["app"]["environment"]["STREAMLIT_SERVER_TRUSTED_USER_HEADERS"])
    assert headers["X-Forwarded-Email"] == "email"
    assert signin["proxy"] == {"ports": "!reset"}
    assert "--upstream=http://proxy:80" in signin["signin"]["command"]
    assert "--pass-user-headers=true" in signin["signin"]["command"]
    merged = {name: {**services.get(name, {}), **signin.get(name, {})} for name in {*services, *signin}}
    published = {name for name, svc in merged.items() if svc.get("ports") not in (None, "!reset")}
    assert published == {"signin"}
    # every variable the compose files read is in the example .env
    text = "".join(
        (ROOT / "deploy" / n).read_text(encoding="utf-8") for n in ("compose.yaml", "compose.signin.yaml")
    )
    used = set(re.findall(r"\$\{(\w+)", text))
    example = {
        line.split("=", 1)[0]
        for line in (ROOT / "deploy" / "env.example").read_text(encoding="utf-8").splitlines()
        if "=" in line and not line.startswith("#")
    }
    assert used <= example, used - example


def test_dockerfile_copies_what_exists() -> None:
    spec = dockerfile()
    for source in spec["copies"]:  # type: ignore[attr-defined]
        assert (ROOT / source).exists(), source
    assert spec["cmd"] == ["python", "-m", "streamlit", "run", "app.py"]


def test_health_command_fails_without_a_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["health", "--store", str(tmp_path / "none")]) == 1
    assert "FAIL store" in capsys.readouterr().out


@pytest.mark.slow
def test_the_image_command_and_health_check_work_here(demo_store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The Dockerfile's CMD with its ENV (port and address moved to a free loopback port,
    the store a local demo copy) serves the app; its HEALTHCHECK command then passes."""
    spec = dockerfile()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = (
        os.environ
        | spec["env"]
        | {  # type: ignore[operator]
            "STREAMLIT_SERVER_PORT": str(port),
            "STREAMLIT_SERVER_ADDRESS": "127.0.0.1",
            "EPMO_STORE": demo_store.uri,
        }
    )
    cmd = [sys.executable if c == "python" else c for c in spec["cmd"]]  # type: ignore[attr-defined]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1):
                    break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, (
                    "the image's command did not serve"
                )
                time.sleep(0.3)
        health = [
            sys.executable if c == "python" else c.replace(":8501", f":{port}")
            for c in spec["health"]  # type: ignore[attr-defined]
        ]
        done = subprocess.run(health, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "ok   server" in done.stdout and "ok   store" in done.stdout
    finally:
        proc.terminate()
        proc.wait(10)
