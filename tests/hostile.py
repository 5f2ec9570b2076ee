"""A hostile portfolio: every uploaded or typed text a page, a chart or an export shows
carries markdown links and images, Streamlit directives and icons, LaTeX, HTML anchors and
images pointing at a foreign host, and (where typed, since uploads refuse formulas) a
spreadsheet formula. Used by tests/unit/test_safe_text.py, tests/app/test_hostile_pages.py
and tests/e2e/test_hostile.py.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from typing import Any

from epmo import steering
from epmo.ingest import ACCEPTED, ingest
from epmo.store import Store
from tests.conftest import person

EVIL = "evil.example"
LINK = f"[click](https://{EVIL}/link)"
IMAGE = f"![pixel](https://{EVIL}/pixel.png)"
RED = ":red[REDTEXT]"
ICON = ":material/bug_report:"
ICON_RAW = ":material_pest_control:"  # the form Streamlit rewrites :material/ to
EMOJI = ":smile:"
LATEX = "$x^2$"
ANCHOR = f'<a href="https://{EVIL}/login">Review</a>'
IMG_TAG = f'<img src="https://{EVIL}/tag.png">'
BARE = f"https://{EVIL}/bare www.{EVIL} spy@{EVIL}"
FORMULA = f'=HYPERLINK("https://{EVIL}/f","Click")'

WEEK1 = dt.date(2026, 11, 13)
WEEK2 = dt.date(2026, 11, 20)  # a Friday: the latest week

PORTFOLIO = ANCHOR  # the example: a portfolio named <a href=...>Review</a>
PROGRAMME = f"Prog {ICON} {LATEX} {IMAGE}"
PROJECT_NAME = f"Alpha {LINK} {IMAGE} {RED}"
OTHER_NAME = f"Beta {ANCHOR} {ICON_RAW} {EMOJI}"
SPONSOR = f"{IMG_TAG} {ICON_RAW} {BARE}"
SUMMARY = f"Summary {LINK} {IMAGE} {RED} {ICON} {LATEX} {ANCHOR} {IMG_TAG} {BARE}"
MILESTONE = f"MS {ANCHOR} {LINK}"
RAID_TITLE = f"Risk {IMAGE} {RED} {LATEX} {IMG_TAG}"
ROLE = f"Dev {ANCHOR}"
TEAM = f"Team {LINK}"
PERSON = f"{IMG_TAG} Eve"
FILE_NAME = f"{FORMULA} {LINK}.zip"
DECK_NAME = f"Deck {LINK} {ANCHOR}"
DECISION = FORMULA
RATIONALE = f"Because {LINK} {ANCHOR} {IMAGE}"
OWNER = "@SUM(1+1)*cmd|' /C calc'!A0"

HOSTILE_PROJECT = "HX-1"
PROJECT_IDS = ("HX-1", "HX-2", "OK-1")


def _csv(rows: list[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _project(pid: str, name: str, week: dt.date, **over: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "project_id": pid,
        "project_name": name,
        "portfolio": PORTFOLIO,
        "programme": PROGRAMME,
        "sponsor": SPONSOR,
        "project_manager": "pm@example.org",
        "stage": "Execution",
        "start_date": "2026-01-05",
        "baseline_end_date": "2026-12-31",
        "forecast_end_date": "2027-02-26" if week == WEEK2 else "2027-01-29",
        "budget_bac": 1_000_000,
        "actual_cost": 700_000 if week == WEEK2 else 600_000,
        "planned_value": 650_000,
        "earned_value": 500_000,
        "percent_complete": 50,
        "rag_overall": "Green",
        "status_summary": SUMMARY,
        "strategic_alignment": 4,
        "business_value": 8,
        "time_criticality": 5,
        "risk_reduction": 3,
        "job_size": 5,
        "reach": 100,
        "impact": 2,
        "confidence": 80,
        "effort_person_months": 6,
    }
    row.update(over)
    return row


def extract(week: dt.date) -> bytes:
    """One weekly ZIP of CSVs: three projects (two hostile), milestones, RAID (with a
    dependency), financials, demand and capacity."""
    projects = [
        _project("HX-1", PROJECT_NAME, week),
        _project("HX-2", OTHER_NAME, week, rag_overall="Amber", actual_cost=900_000),
        _project(
            "OK-1", "Plain project", week, portfolio="Corporate", programme="", sponsor="", status_summary=""
        ),
    ]
    milestones = [
        {
            "project_id": pid,
            "milestone_id": "M1",
            "milestone_name": MILESTONE,
            "baseline_date": "2026-10-30",
            "forecast_date": "2026-12-18" if week == WEEK2 else "2026-12-04",
            "actual_date": "",
            "is_key": "true",
        }
        for pid in PROJECT_IDS
    ]
    raid = [
        {
            "project_id": "HX-1",
            "raid_id": "R1",
            "raid_type": "Risk",
            "title": RAID_TITLE,
            "probability": 4,
            "impact": 5,
            "owner": f"Owner {LINK}",
            "status": "Open",
            "raised_date": "2026-09-01",
            "due_date": "2026-10-01",
            "related_project_id": "",
            "need_by_date": "",
        },
        {
            "project_id": "HX-2",
            "raid_id": "D1",
            "raid_type": "Dependency",
            "title": f"Needs {ANCHOR}",
            "probability": "",
            "impact": "",
            "owner": "",
            "status": "Open",
            "raised_date": "2026-09-01",
            "due_date": "",
            "related_project_id": "HX-1",
            "need_by_date": "2026-12-01",
        },
    ]
    months = ["2026-11-01", "2026-12-01", "2027-01-01"]
    allocations = [
        {
            "project_id": pid,
            "role": ROLE,
            "team": TEAM,
            "resource_name": PERSON,
            "period_start": m,
            "hours": 160,
            "is_tentative": "false",
        }
        for pid in ("HX-1", "HX-2")
        for m in months
    ]
    capacity = [
        {"team": TEAM, "role": ROLE, "resource_name": PERSON, "period_start": m, "available_hours": 200}
        for m in months
    ]
    financials = [
        {
            "project_id": pid,
            "period_start": m,
            "planned_cost": 100_000,
            "actual_cost": 90_000 if m < str(week) else "",
            "forecast_cost": 110_000,
        }
        for pid in PROJECT_IDS
        for m in ("2026-09-01", "2026-10-01", "2026-11-01", "2026-12-01")
    ]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, rows in (
            ("projects", projects),
            ("milestones", milestones),
            ("raid", raid),
            ("allocations", allocations),
            ("capacity", capacity),
            ("financials", financials),
        ):
            z.writestr(f"{name}.csv", _csv(rows))
    return buf.getvalue()


def build_store(store: Store) -> None:
    """Two weekly uploads of the hostile extract, a hostile deck and a decision typed with
    a formula, a link and an anchor."""
    for week in (WEEK1, WEEK2):
        outcome = ingest(store, FILE_NAME, extract(week), as_of=week, user_email="pm@example.org")
        assert outcome.status == ACCEPTED, outcome.report.to_text(limit=20)
    deck = steering.parse_deck(
        DECK_NAME,
        {
            "slides": [
                "home",
                "health",
                "changes",
                "capacity",
                "ranking",
                {"view": "project", "project_id": "HX-1"},
            ]
        },
    )
    steering.save_deck(store, deck, person("chair@example.org"))
    frozen = steering.freeze(store, WEEK2)
    con = steering.connect_frozen(store, frozen)
    try:
        decision = steering.validate_decision(
            con,
            {
                "decision": DECISION,
                "rationale": RATIONALE,
                "project_ids": ["HX-1"],
                "owner": OWNER,
                "decision_date": WEEK2,
                "due_date": WEEK2 + dt.timedelta(days=14),
                "status": "Open",
            },
            frozen,
        )
    finally:
        con.close()
    steering.save_decision(store, decision, person("chair@example.org"))


# --------------------------------------------------------------------------- checks

_CODE_SPAN = re.compile(r"(?<!\\)(`+)(.+?)(?<!\\)\1", re.S)
_UNESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_TEXT_CHECKS = (
    (re.compile(r":(?!\u2060)[\w+\-]+:"), "a :shortcode: (an icon or emoji)"),
    (re.compile(r"(?i)https?://|www\.[a-z]"), "a bare URL (GFM links it)"),
    (re.compile(r"[-.\w+]@[-\w]"), "a bare e-mail address (GFM links it)"),
)
_CHECKS = (
    (re.compile(r"(?<!\\)[\[\]]"), "an unescaped [ or ] (a link, an image or a directive's label)"),
    (re.compile(r"(?<!\\)<"), "an unescaped < (HTML or an autolink)"),
    (re.compile(r"(?<!\\)\$(.*)(?<!\\)\$", re.S), "two unescaped $ (LaTeX between them)"),
    (re.compile(r"(?<!\\):[A-Za-z]"), "a Streamlit directive (:name) or icon"),
)


def markup_problems(body: str) -> list[str]:
    """What in a Streamlit markdown body would render as something other than its text: a
    link, an image, HTML, LaTeX, a coloured directive, an icon or emoji, an autolink.
    Inline code spans are text and are left out."""
    text = _CODE_SPAN.sub("", body)
    found = [f"{what}: {body[:160]!r}" for pattern, what in _CHECKS if pattern.search(text)]
    # Streamlit's text-level replacements see the text with its escapes resolved
    shown = _UNESCAPE.sub(r"\1", text)
    for pattern, what in _TEXT_CHECKS:
        if pattern.search(shown):
            found.append(f"{what}: {body[:160]!r}")
    return found


def hostile_fragments() -> list[str]:
    """Substrings that must never reach the browser unescaped (in markup or plotly text)."""
    return [f'href="https://{EVIL}', f'src="https://{EVIL}', f"](https://{EVIL}"]
