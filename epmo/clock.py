"""The one place the product reads the calendar.

Everything that needs "today" or "now" (the default reporting week, commit stamps, the
bounds on as-of dates, decisions shown with a week) asks here, so that tests pin the clock
with the environment variable EPMO_TODAY (an ISO date) instead of depending on the day
they happen to run. In production EPMO_TODAY is unset and the system clock is used.
"""

from __future__ import annotations

import datetime as dt
import os

ENV = "EPMO_TODAY"
# With EPMO_TODAY, the moment (Unix seconds) at which the pinned day's clock started at
# 08:00 UTC: every process of a test run then agrees on "now", and it never runs backwards
# at midnight. Without it, the pinned day takes the current time of day.
SINCE_ENV = "EPMO_TODAY_SINCE"


def _pinned() -> dt.date | None:
    value = os.environ.get(ENV, "").strip()
    return dt.date.fromisoformat(value) if value else None


def today() -> dt.date:
    """Today's date (UTC), or the pinned EPMO_TODAY."""
    pinned = _pinned()
    return pinned if pinned is not None else dt.datetime.now(dt.UTC).date()


def now() -> dt.datetime:
    """The current UTC time; with EPMO_TODAY pinned, a clock that runs from 08:00 UTC of
    that day since EPMO_TODAY_SINCE (or that day at the current time of day)."""
    real = dt.datetime.now(dt.UTC)
    pinned = _pinned()
    if pinned is None:
        return real
    since = os.environ.get(SINCE_ENV, "").strip()
    if not since:
        return dt.datetime.combine(pinned, real.timetz())
    start = dt.datetime.combine(pinned, dt.time(8), dt.UTC)
    return start + (real - dt.datetime.fromtimestamp(float(since), dt.UTC))


def pin(day: dt.date) -> dict[str, str]:
    """The environment that pins the clock to `day` for this process and its children."""
    return {ENV: day.isoformat(), SINCE_ENV: repr(dt.datetime.now(dt.UTC).timestamp())}
