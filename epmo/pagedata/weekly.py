"""The PM's week: the project managers a person may act as (My projects)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from epmo import sql
from epmo.pagedata.base import Con, Filters, PageData, sql_names


@dataclass(frozen=True, eq=False)
class ManagersData(PageData):
    managers: pd.DataFrame  # project_manager of every project as of the week
    sql: dict[str, str] = sql_names(managers="weekly/managers")

    @property
    def emails(self) -> list[str]:
        return sorted(self.managers["project_manager"].dropna().tolist())


def managers(con: Con, f: Filters) -> ManagersData:
    """The project managers of the portfolio as of the week."""
    return ManagersData(sql.df(con, "weekly/managers", as_of=f.as_of))
