"""epmo.clock: the only place the product reads the calendar, pinned in tests."""

from __future__ import annotations

import datetime as dt

import pytest

from epmo import clock
from epmo.ingest import latest_reporting_day


def test_unpinned_clock_is_the_system_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(clock.ENV, raising=False)
    monkeypatch.delenv(clock.SINCE_ENV, raising=False)
    before = dt.datetime.now(dt.UTC)
    got = clock.now()
    assert before <= got <= dt.datetime.now(dt.UTC)
    assert clock.today() in {before.date(), dt.datetime.now(dt.UTC).date()}


@pytest.mark.parametrize(
    "day",
    [dt.date(2026, 11, 30), dt.date(2026, 12, 31), dt.date(2028, 2, 29), dt.date(1999, 1, 1)],
    ids=["monday", "year-end", "leap-day", "last-century"],
)
def test_pinned_day_runs_from_eight_and_never_backwards(
    monkeypatch: pytest.MonkeyPatch, day: dt.date
) -> None:
    started = dt.datetime.now(dt.UTC) - dt.timedelta(hours=17)  # a run that began 17 h ago
    monkeypatch.setenv(clock.ENV, day.isoformat())
    monkeypatch.setenv(clock.SINCE_ENV, repr(started.timestamp()))
    first = clock.now()
    second = clock.now()
    assert clock.today() == day
    # 08:00 + 17 h crosses midnight of the real and the pinned day alike: still increasing
    assert first.date() == day + dt.timedelta(days=1) and first <= second
    assert first - dt.datetime.combine(day, dt.time(8), dt.UTC) >= dt.timedelta(hours=17)


def test_pin_gives_the_environment_for_child_processes() -> None:
    env = clock.pin(dt.date(2027, 1, 4))
    assert env[clock.ENV] == "2027-01-04" and float(env[clock.SINCE_ENV]) > 0


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (dt.date(2026, 11, 20), dt.date(2026, 11, 20)),  # a Friday is its own week
        (dt.date(2026, 11, 23), dt.date(2026, 11, 20)),  # Monday: last Friday
        (dt.date(2026, 11, 19), dt.date(2026, 11, 13)),  # Thursday: the Friday before
        (dt.date(2027, 1, 1), dt.date(2027, 1, 1)),  # New Year's Day 2027 is a Friday
        (dt.date(2026, 1, 1), dt.date(2025, 12, 26)),  # across the year end
        (dt.date(2028, 2, 29), dt.date(2028, 2, 25)),  # leap day (Tuesday)
    ],
)
def test_default_reporting_week_follows_the_pinned_day(
    monkeypatch: pytest.MonkeyPatch, today: dt.date, expected: dt.date
) -> None:
    assert latest_reporting_day(today) == expected
    monkeypatch.setenv(clock.ENV, today.isoformat())
    assert latest_reporting_day() == expected
