"""The tree keeps its shape: pages ask the page-data layer for their data (never the SQL
runner), and every module of epmo/ and app_pages/ is described in docs/architecture.md."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# every page and page helper; _shared.py holds the cached page-data call and the connection it uses
PAGES = sorted(p for p in (ROOT / "app_pages").glob("*.py") if p.name not in ("__init__.py", "_shared.py"))

# what runs SQL or opens the store's connection: a page reaches none of these itself
RUNNER_MODULES = {"sql", "duckdb"}
RUNNER_CALLS = {"query", "connection", "df", "arrow", "execute", "frame"}


def runner_calls(source: str) -> list[str]:
    """Calls in a page's source that reach the SQL runner directly: `sql.df(...)`,
    `sql.arrow(...)`, `ui.query(...)`, `ui.connection(...)`, `store.frame(...)`, anything on
    the `duckdb` or `epmo.sql` modules, or a name imported from them."""
    tree = ast.parse(source)
    imported: set[str] = set()
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in {"epmo.sql", "duckdb"}:
            imported |= {a.asname or a.name for a in node.names}
        if isinstance(node, ast.ImportFrom) and node.module == "epmo":
            modules |= {a.asname or a.name for a in node.names if a.name in RUNNER_MODULES}
        if isinstance(node, ast.Import):
            modules |= {a.asname or a.name for a in node.names if a.name in {"duckdb", "epmo.sql"}}
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        f = node.func
        if isinstance(f, ast.Name) and f.id in imported:
            found.append(f"{f.id}() line {node.lineno}")
        if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name):
            owner, attr = f.value.id, f.attr
            if owner in modules or owner in RUNNER_MODULES:
                found.append(f"{owner}.{attr}() line {node.lineno}")
            elif attr in RUNNER_CALLS and owner in {"ui", "_shared", "store", "con", "cur"}:
                found.append(f"{owner}.{attr}() line {node.lineno}")
    return found


# The steering pages keep a connection for writing decisions (the form validates against the
# frozen snapshot): they pass it to epmo.steering, never run SQL themselves.
# _steering.py hands the shared live connection to epmo.steering when a deck's freeze has
# nothing committed after it (the frozen reads then equal the live ones; measured in the load
# profile, docs/benchmarks.md): it opens no SQL of its own either.
WRITES = {"decisions.py": {"ui.connection"}, "_steering.py": {"ui.connection"}}


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_a_page_never_calls_the_sql_runner(page: Path) -> None:
    allowed = WRITES.get(page.name, set())
    calls = [c for c in runner_calls(page.read_text(encoding="utf-8")) if c.split("(")[0] not in allowed]
    assert not calls, f"{page.name} runs SQL itself; ask epmo.pagedata instead: {calls}"


def store_writes(source: str) -> list[str]:
    """Calls in a page's source that save a document on a store directly (`.save_document`
    on anything but `access`): saves go through epmo, which checks the acting identity."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            if node.func.attr == "save_document" and not (
                isinstance(owner, ast.Name) and owner.id == "access"
            ):
                found.append(f"{ast.unparse(node.func)}() line {node.lineno}")
    return found


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_a_page_saves_documents_only_through_the_access_checks(page: Path) -> None:
    calls = store_writes(page.read_text(encoding="utf-8"))
    assert not calls, f"{page.name} writes to the store past epmo.access: {calls}"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("ui.store().save_document('mapping', n, j, email)", ["ui.store().save_document() line 1"]),
        ("store.save_document('deck', n, j, email)", ["store.save_document() line 1"]),
        ("access.save_document(ui.store(), identity, 'mapping', n, j)", []),
    ],
)
def test_the_store_write_check_sees_a_direct_save(source: str, expected: list[str]) -> None:
    assert store_writes(source) == expected


APP_TESTS = ROOT / "tests" / "app"


@pytest.mark.parametrize("page", [p for p in PAGES if not p.name.startswith("_")], ids=lambda p: p.name)
def test_every_page_is_run_by_an_apptest(page: Path) -> None:
    """Each page of the app is opened by at least one AppTest in tests/app (by its path, or
    by its name for the helpers that build the path)."""
    names = (f"app_pages/{page.name}", f'"{page.stem}"')
    texts = [t.read_text(encoding="utf-8") for t in APP_TESTS.glob("test_*.py")]
    assert any(n in t for t in texts for n in names), f"no AppTest in tests/app opens {page.name}"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from epmo import sql\nsql.df(con, 'health/headline')", ["sql.df() line 2"]),
        ("from app_pages import _shared as ui\nui.query(snap, 'x')", ["ui.query() line 2"]),
        ("from epmo.sql import df\ndf(con, 'x')", ["df() line 2"]),
        ("import duckdb\nduckdb.sql('select 1')", ["duckdb.sql() line 2"]),
        ("con.execute('select 1')", ["con.execute() line 1"]),
        ("from epmo import pagedata\nui.page(pagedata.portfolio.home, snap, f)", []),
    ],
)
def test_the_page_check_sees_each_way_of_running_sql(source: str, expected: list[str]) -> None:
    assert runner_calls(source) == expected


def documented_modules(text: str) -> set[str]:
    """Module paths named in backticks in docs/architecture.md (`epmo/sql.py`, `app_pages/`)."""
    return set(re.findall(r"`((?:epmo|app_pages)/[A-Za-z0-9_/]*(?:\.py)?)`", text))


def modules() -> list[str]:
    out = []
    for base in ("epmo", "app_pages"):
        for p in sorted((ROOT / base).rglob("*.py")):
            if "__pycache__" in p.parts:
                continue
            rel = p.relative_to(ROOT).as_posix()
            if p.name == "__init__.py":
                rel = rel.removesuffix("__init__.py")  # a package: its folder
                if rel in ("epmo/", "app_pages/"):
                    continue
            out.append(rel)
    return out


def test_every_module_is_described_in_the_architecture_doc() -> None:
    """datasette-style: a new module in epmo/ or app_pages/ fails here until
    docs/architecture.md says what it is for."""
    named = documented_modules((ROOT / "docs" / "architecture.md").read_text(encoding="utf-8"))
    missing = [m for m in modules() if m not in named]
    assert not missing, f"add these to docs/architecture.md: {missing}"


def test_the_architecture_doc_names_no_module_that_is_gone() -> None:
    named = documented_modules((ROOT / "docs" / "architecture.md").read_text(encoding="utf-8"))
    gone = sorted(m for m in named if not (ROOT / m).exists())
    assert not gone, f"docs/architecture.md names modules that do not exist: {gone}"
