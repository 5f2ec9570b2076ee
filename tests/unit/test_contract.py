"""The contract, its templates and its documentation."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from epmo import contract, templates

ROOT = Path(__file__).resolve().parents[2]


def test_docs_are_current() -> None:
    """docs/data-contract.md is rendered from the contract; regenerate with `python -m epmo docs`."""
    assert (ROOT / "docs" / "data-contract.md").read_text(
        encoding="utf-8"
    ) == templates.contract_markdown() + "\n"


def test_issue_columns_are_all_in_the_contract() -> None:
    expected = {
        "projects": 34,
        "milestones": 7,
        "raid": 12,
        "allocations": 7,
        "capacity": 5,
        "financials": 5,
        "work_items": 13,
    }
    assert {t.name: len(t.columns) for t in contract.TABLES} == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Project ID", "project id"),
        ("project_id*", "project id"),
        ("  PROJECT-ID ", "project id"),
        ("% Complete", "% complete"),
        ("Budget (BAC)", "budget bac"),
    ],
)
def test_normalise_header(raw: str, expected: str) -> None:
    assert contract.normalise_header(raw) == expected


@pytest.mark.parametrize(
    ("table", "header", "column"),
    [
        ("projects", "Project ID", "project_id"),
        ("projects", "Proj Ref", "project_id"),
        ("projects", "BAC", "budget_bac"),
        ("projects", "Budget", "budget_bac"),
        ("projects", "PM Email", "project_manager"),
        ("projects", "% complete", "percent_complete"),
        ("milestones", "Milestone ID", "milestone_id"),
        ("raid", "Likelihood", "probability"),
        ("allocations", "Week Commencing", "period_start"),
        ("capacity", "Capacity Hours", "available_hours"),
        # how status reports head the RAG columns (refused as unknown before)
        ("projects", "RAG", "rag_overall"),
        ("projects", "RAG Status", "rag_overall"),
        ("projects", "Overall RAG", "rag_overall"),
        ("projects", "RAG Overall", "rag_overall"),
        ("projects", "Schedule RAG", "rag_schedule"),
        ("projects", "Cost RAG status", "rag_cost"),
        ("projects", "RAG - Resources", "rag_resources"),
    ],
)
def test_synonyms(table: str, header: str, column: str) -> None:
    assert contract.header_index(contract.table(table))[contract.normalise_header(header)] == column


def test_every_column_is_documented() -> None:
    """A test that fails when something is undocumented (datasette's habit)."""
    for t in contract.TABLES:
        for c in t.columns:
            assert c.description.strip(), f"{t.name}.{c.name} has no description"
            assert c.type in contract.TYPES
            if c.required:
                assert c.example, f"{t.name}.{c.name} is required but has no example"


def test_csv_templates_have_headers_and_example() -> None:
    for t in contract.TABLES:
        rows = list(csv.reader(io.StringIO(templates.csv_template(t).decode())))
        assert [h.rstrip("*") for h in rows[0]] == t.column_names
        assert all(h.endswith("*") == t.column(h.rstrip("*")).required for h in rows[0])
        assert len(rows[1]) == len(t.columns)


def test_xlsx_template_has_a_sheet_per_table_and_a_dictionary() -> None:
    wb = CalamineWorkbook.from_filelike(io.BytesIO(templates.xlsx_template()))
    assert wb.sheet_names == [*contract.TABLE_NAMES, "Data dictionary"]
    dictionary = wb.get_sheet_by_name("Data dictionary").to_python()
    assert dictionary[0] == templates.DICTIONARY_HEADERS
    assert len(dictionary) - 1 == sum(len(t.columns) for t in contract.TABLES)
    required = [r for r in dictionary[1:] if r[6] == "yes"]
    assert all(re.search(r"\*$", r[1]) for r in required)
