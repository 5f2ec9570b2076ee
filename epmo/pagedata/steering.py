"""Steering pages: the decision log, the decks on offer, the projects a deck or decision
may name. The decks' slides read the portfolio, capacity, priority and flow functions."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from epmo import sql
from epmo.pagedata.base import Con, Filters, PageData, sql_names
from epmo.pagedata.portfolio import decided_by
from epmo.settings import get

DECK_KIND = "deck"


@dataclass(frozen=True, eq=False)
class DecisionsData(PageData):
    until: object  # decisions made up to this day count
    log: pd.DataFrame
    projects: list[str]  # the projects a decision may name
    sql: dict[str, str] = sql_names(log="steering/decisions")

    def counts(self) -> dict[str, int]:
        open_ = self.log["status"].isin(list(get("steering", "open_statuses")))
        overdue = open_ & (self.log["due_date"] < pd.Timestamp(self.until))  # type: ignore[arg-type]
        return {"decisions": len(self.log), "open": int(open_.sum()), "overdue": int(overdue.sum())}

    @property
    def open(self) -> pd.DataFrame:
        return self.log[self.log["status"].isin(list(get("steering", "open_statuses")))]


def known_projects(con: Con, f: Filters) -> list[str]:
    e = f.everyone()
    return sql.df(con, "project/projects", as_of=f.as_of, **e.scope)["project_id"].tolist()


def decisions(con: Con, f: Filters, project_id: str = "") -> DecisionsData:
    until = decided_by(f.as_of)
    return DecisionsData(
        until,
        sql.df(con, "steering/decisions", as_of=until, project_id=project_id),
        known_projects(con, f),
    )


@dataclass(frozen=True, eq=False)
class DecksData(PageData):
    saved: pd.DataFrame  # the latest version of each saved deck
    projects: pd.DataFrame  # every project (id, name) a slide may show
    sql: dict[str, str] = sql_names(saved="ledger/documents", projects="project/projects")


def decks(con: Con, f: Filters) -> DecksData:
    e = f.everyone()
    return DecksData(
        sql.df(con, "ledger/documents", kind=DECK_KIND),
        sql.df(con, "project/projects", as_of=f.as_of, **e.scope),
    )
