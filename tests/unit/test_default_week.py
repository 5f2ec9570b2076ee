"""The week pages, decks and packs open on (epmo.ingest.default_week): never a week
uploaded ahead of time, which would show every other project as missing."""

from __future__ import annotations

import datetime as dt

import pytest

from epmo.cli import main
from epmo.ingest import default_week
from epmo.store import Store
from tests.conftest import project, upload_tables

D = dt.date
WED = D(2026, 11, 25)  # the week of Friday 27 Nov

# (case, reported weeks, today, the week opened)
CASES = [
    (
        "this week's Friday, reported on the Wednesday",
        [D(2026, 11, 27), D(2026, 11, 20)],
        WED,
        D(2026, 11, 27),
    ),
    (
        "one upload four weeks ahead is not the default",
        [D(2026, 12, 25), D(2026, 11, 20)],
        WED,
        D(2026, 11, 20),
    ),
    ("next week's is ahead too", [D(2026, 12, 4), D(2026, 11, 27)], WED, D(2026, 11, 27)),
    (
        "on the Saturday, the week in progress is next Friday's",
        [D(2026, 12, 4)],
        D(2026, 11, 28),
        D(2026, 12, 4),
    ),
    ("on the Friday itself", [D(2026, 12, 4), D(2026, 11, 27)], D(2026, 11, 27), D(2026, 11, 27)),
    ("only weeks ahead: the earliest of them", [D(2026, 12, 25), D(2026, 12, 18)], WED, D(2026, 12, 18)),
    ("nothing reported: the latest reporting day", [], WED, D(2026, 11, 20)),
]


@pytest.mark.parametrize(("weeks", "today", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_default_week(weeks: list[dt.date], today: dt.date, expected: dt.date) -> None:
    assert default_week(weeks, today) == expected


def test_a_pack_opens_on_the_week_not_on_an_upload_ahead(store: Store, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    upload_tables(store, D(2026, 11, 20), projects=[project("P1"), project("P2")])
    upload_tables(store, D(2026, 12, 18), projects=[project("P1")])  # allowed: within 28 days
    assert main(["pack", "--store", store.uri, "--out", str(tmp_path / "deck.html")]) == 0
    assert "as of 2026-11-20" in capsys.readouterr().err
