"""Filters in, PageData out: the types every page-data function shares."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pandas as pd

from epmo import health


@dataclass(frozen=True)
class Filters:
    """What every page is asked for: hashable, so it is part of a cache key."""

    as_of: dt.date
    portfolios: tuple[str, ...] = ()
    programmes: tuple[str, ...] = ()
    # the acting identity; the identity work fills and enforces it
    identity: Any = None

    def __post_init__(self) -> None:  # lists from widgets become tuples (hashable)
        object.__setattr__(self, "portfolios", tuple(self.portfolios))
        object.__setattr__(self, "programmes", tuple(self.programmes))

    @property
    def previous(self) -> dt.date:
        """The week compared with: a week before the as-of week."""
        return health.previous_week(self.as_of)

    @property
    def scope(self) -> dict[str, list[str]]:
        """The scope as query parameters."""
        return {"portfolios": list(self.portfolios), "programmes": list(self.programmes)}

    def everyone(self) -> Filters:
        """The same week and identity without the portfolio/programme filter (Project page)."""
        return dataclasses.replace(self, portfolios=(), programmes=())


@dataclass(frozen=True, eq=False)
class PageData:
    """Base of every page's result: frames as fields, `sql` maps an element to its query."""

    def frames(self) -> dict[str, pd.DataFrame]:
        """The result's data frames by field name (the benchmark and tests read these)."""
        return {
            f.name: getattr(self, f.name)
            for f in dataclasses.fields(self)
            if isinstance(getattr(self, f.name), pd.DataFrame)
        }


def sql_names(**names: str) -> Any:
    """A dataclass field holding the element -> query name map (for "Show SQL")."""
    return field(default_factory=lambda: dict(names))


Con = duckdb.DuckDBPyConnection
