"""A mapping's keep_current: a known project keeps its current report's value in each
projects column the source does not give. The kept values go back through the upload's
reading, so each must come back as it was: numbers (also in a decimal-comma file, where
1.234 was read back as 1234), dates, booleans, text with commas, quotes and line breaks."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from epmo.ingest import ACCEPTED, ingest
from epmo.mapping import Mapping
from epmo.store import Store
from tests.conftest import WEEK, project

SEEDED = {
    str(k): str(v)
    for k, v in project(
        "P1",
        project_name="Bridge",
        sponsor='Dee "the boss", Sponsor\nline two',
        rag_overall="Red",
        impact="1.234",
        effort_person_months="0.000015",  # repr: 1.5e-05, which no number rule reads
        confidence="0.3333333333333333",
        is_mandatory="true",
    ).items()
}
# what each kept column reads back as
EXPECTED = {
    "portfolio": "Corporate",
    "sponsor": 'Dee "the boss", Sponsor\nline two',
    "rag_overall": "Red",
    "impact": 1.234,
    "effort_person_months": 0.000015,
    "confidence": 0.3333333333333333,
    "is_mandatory": True,
}


def _csv(rows: list[dict[str, str]], delimiter: str = ",") -> bytes:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(rows[0]), delimiter=delimiter, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue().encode()


@pytest.mark.parametrize(
    ("delimiter", "decimal", "cost"),
    [(",", None, "450000.5"), (";", ",", "450000,5"), (";", None, "1.100.000,50")],
    ids=["plain", "decimal comma named", "decimal comma detected"],
)
def test_kept_values_come_back_as_they_were(
    store: Store, delimiter: str, decimal: str | None, cost: str
) -> None:
    assert ingest(store, "p.csv", _csv([SEEDED]), as_of=WEEK).status == ACCEPTED
    plan = {
        "project_id": "P1",
        "project_name": "Bridge",
        "project_manager": "pm@example.org",
        "stage": "Execution",
        "start_date": "2026-01-05",
        "baseline_end_date": "2026-12-31",
        "forecast_end_date": "2027-02-26",
        "budget_bac": "1000000",
        "actual_cost": cost,
    }
    defaults = {"portfolio": "Unassigned", "rag_overall": "Amber"}  # for new projects only
    mapping = Mapping(name="plan", keep_current=True, decimal=decimal, defaults=defaults)
    later = WEEK + dt.timedelta(days=7)
    out = ingest(store, "plan.csv", _csv([plan], delimiter), as_of=later, mapping=mapping)
    assert out.status == ACCEPTED, out.report.to_text()
    (row,) = [r for r in store.rows("export/projects", as_of=later) if r["project_id"] == "P1"]
    assert {c: row[c] for c in EXPECTED} == EXPECTED
    assert row["actual_cost"] == (1100000.5 if cost.startswith("1.1") else 450000.5)


@pytest.mark.parametrize("given", ["Planning", "planning", "Planning.", "Plan-ning", "Planning\u200b"])
def test_a_stage_spelled_another_way_does_not_move_a_project_back(store: Store, given: str) -> None:
    """The forward-only rule compared stages by case alone, while the upload reads 'Planning.'
    or 'Plan-ning' as Planning: those moved an Execution project back to Planning."""
    seeded = {**SEEDED, "stage": "Execution"}
    assert ingest(store, "p.csv", _csv([seeded]), as_of=WEEK - dt.timedelta(days=7)).status == ACCEPTED
    plan = Mapping(name="plan", keep_current=True)
    out = ingest(store, "plan.csv", _csv([{**seeded, "stage": given}]), as_of=WEEK, mapping=plan)
    assert out.status == ACCEPTED, out.report.to_text()
    (row,) = [r for r in store.rows("export/projects", as_of=WEEK) if r["project_id"] == "P1"]
    assert row["stage"] == "Execution"
    (said,) = [i for i in out.report.issues if i.rule == "stage_kept"]  # and the report says so
    letter = "ABCDEFGHIJ"[list(seeded).index("stage")]
    assert (said.severity, said.row, said.column, said.cell, said.value) == (
        "warning",
        2,
        "stage",
        f"{letter}2",
        given,
    )
    assert said.location() == f"plan.csv, row 2, column 'stage' ({letter}2)"
