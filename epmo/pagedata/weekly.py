"""The PM's week: the project managers a person may act as and a manager's week (My
projects), and who has not reported (Reminders)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from epmo import sql, weekly
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


@dataclass(frozen=True, eq=False)
class MyWeekData(PageData):
    week: weekly.MyWeek  # its frames: projects, tables, changes; and the warnings
    sql: dict[str, str] = sql_names(**weekly.MY_WEEK_QUERIES)

    def frames(self) -> dict[str, pd.DataFrame]:
        return {"projects": self.week.projects, "tables": self.week.tables, "changes": self.week.changes}


def my_week(con: Con, f: Filters, manager: str = "") -> MyWeekData:
    """One project manager's projects as of the week (My projects). Who may act as which
    manager is decided before (app_pages/_weekly.acting_manager, epmo.access); the result
    depends only on the manager asked for and the store's version."""
    return MyWeekData(weekly.my_week(con, manager, f.as_of))


@dataclass(frozen=True, eq=False)
class NotSubmittedData(PageData):
    managers: pd.DataFrame  # weekly/not_submitted, plus each manager's mailto: link
    sql: dict[str, str] = sql_names(managers="weekly/not_submitted")


def not_submitted(con: Con, f: Filters) -> NotSubmittedData:
    """Project managers with projects expected to report and not reported for the week, in
    the sidebar's portfolios and programmes."""
    return NotSubmittedData(weekly.not_submitted(con, f.as_of, f.portfolios, f.programmes))
