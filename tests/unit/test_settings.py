"""Typed settings: settings.toml loads into frozen, typed sections; an override of the wrong
type or an unknown key is refused naming the setting."""

from __future__ import annotations

import ast
import dataclasses
import tomllib
from pathlib import Path
from typing import Any

import pytest

from epmo import settings


def test_every_setting_of_the_file_is_a_typed_field() -> None:
    data = tomllib.loads(settings.DEFAULTS.read_text(encoding="utf-8"))
    typed = settings.load(data)
    for section, values in data.items():
        part = getattr(typed, section)
        assert {f.name for f in dataclasses.fields(part)} == set(values), section
        for key, value in values.items():
            got = getattr(part, key)
            assert got == (tuple(value) if isinstance(value, list) else value), (section, key)


def test_the_typed_settings_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.current().health.slip_red_days = 1  # type: ignore[misc]


def _with(section: str, key: str, value: Any) -> dict[str, Any]:
    data = tomllib.loads(settings.DEFAULTS.read_text(encoding="utf-8"))
    data[section] = dict(data[section]) | {key: value}
    return data


@pytest.mark.parametrize(
    ("section", "key", "value", "message"),
    [
        ("health", "slip_red_days", "thirty", "health.slip_red_days must be a whole number"),
        ("health", "slip_red_days", 2.5, "health.slip_red_days must be a whole number"),
        ("health", "cpi_red_below", "low", "health.cpi_red_below must be a number"),
        ("priority", "excluded_stages", "Closed", "priority.excluded_stages must be a list"),
        ("store", "maintain_after_commit", "yes", "store.maintain_after_commit must be true or false"),
        ("health", "no_such_setting", 1, r"unknown setting\(s\) in \[health\]: no_such_setting"),
    ],
)
def test_a_wrong_override_is_refused_naming_the_setting(
    section: str, key: str, value: Any, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        settings.load(_with(section, key, value))


def test_a_whole_number_for_a_decimal_setting_is_taken() -> None:
    assert settings.load(_with("health", "cpi_red_below", 1)).health.cpi_red_below == 1.0


def test_an_override_file_is_read_once_and_typed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "override.toml"
    path.write_text("[health]\nslip_red_days = 45\n", encoding="utf-8")
    monkeypatch.setenv("EPMO_SETTINGS", str(path))
    settings.settings.cache_clear()
    try:
        assert settings.current().health.slip_red_days == 45
        assert settings.current() is settings.current()
    finally:
        monkeypatch.delenv("EPMO_SETTINGS")
        settings.settings.cache_clear()
    assert settings.current().health.slip_red_days != 45


def test_a_setting_of_the_defaults_file_without_a_field_yet_is_passed_over() -> None:
    """A new key in settings.toml does not stop the app before its field is written (the
    first test of this file fails until it is); the same key in an override is a typo."""
    data = _with("health", "brand_new", 1)
    assert settings.load(data, known=data).health.slip_red_days == 30
    with pytest.raises(ValueError, match="brand_new"):
        settings.load(data)


# ------------------------------------------------------------------ no stringly look-ups left
ROOT = Path(__file__).resolve().parents[2]


def _settings_call(node: ast.AST) -> bool:
    """`settings()` or `settings.settings()`: the raw, untyped dict."""
    if not isinstance(node, ast.Call):
        return False
    f = node.func
    return (isinstance(f, ast.Name) and f.id == "settings") or (
        isinstance(f, ast.Attribute) and f.attr == "settings" and isinstance(f.value, ast.Name)
    )


def _stringly(source: str) -> list[int]:
    """Lines that read a setting by name: the removed `get`, or a key of the raw dict."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module == "epmo.settings":
            if any(a.name == "get" for a in node.names):
                lines.append(node.lineno)
        elif isinstance(node, ast.Attribute) and node.attr == "get":
            if (isinstance(node.value, ast.Name) and node.value.id == "settings") or _settings_call(
                node.value
            ):
                lines.append(node.lineno)
        elif isinstance(node, ast.Subscript) and _settings_call(node.value):
            lines.append(node.lineno)
    return lines


@pytest.mark.parametrize(
    ("source", "stringly"),
    [
        ("from epmo.settings import get\nx = int(get('health', 'slip_red_days'))", True),
        ("from epmo import settings\nx = settings.get('health', 'slip_red_days')", True),
        ("from epmo.settings import settings\nx = settings()['health']['slip_red_days']", True),
        ("from epmo import settings\nx = settings.settings()['health']", True),
        ("from epmo.settings import settings\nx = settings().get('auth', {})", True),
        ("from epmo.settings import current\nx = current().health.slip_red_days", False),
        (
            "from epmo.settings import settings\njob = {'settings': settings()}",
            False,
        ),  # handed whole to a child
        ("x = row.get('severity', 'error')", False),
    ],
)
def test_the_stringly_look_up_check_tells_them_apart(source: str, stringly: bool) -> None:
    assert bool(_stringly(source)) is stringly


def test_no_module_reads_a_setting_by_name() -> None:
    assert not hasattr(settings, "get")
    files = sorted((ROOT / "epmo").rglob("*.py")) + sorted((ROOT / "app_pages").rglob("*.py"))
    assert len(files) > 50
    found = [
        f"{f.relative_to(ROOT)}:{line}"
        for f in files
        if f != ROOT / "epmo" / "settings.py"
        for line in _stringly(f.read_text(encoding="utf-8"))
    ]
    assert found == []
