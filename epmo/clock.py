"""Today's date, in one place: EPMO_TODAY (an ISO date) pins it, for tests and demos."""

from __future__ import annotations

import datetime as dt
import os


def today() -> dt.date:
    """The calendar date, or EPMO_TODAY when it is set (YYYY-MM-DD)."""
    v = os.environ.get("EPMO_TODAY")
    return dt.date.fromisoformat(v) if v else dt.date.today()
