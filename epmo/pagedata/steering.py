"""Steering pages: the decision log, the decks on offer, the projects a deck or decision
may name. The decks' slides read the portfolio, capacity, priority and flow functions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd

from epmo import settings, sql
from epmo.pagedata.base import Con, Filters, PageData, sql_names
from epmo.pagedata.portfolio import decided_by

DECK_KIND = "deck"


@dataclass(frozen=True, eq=False)
class DecisionsData(PageData):
    until: dt.date  # decisions made up to this day count
    log: pd.DataFrame
    projects: list[str]  # the projects a decision may name
    sql: dict[str, str] = sql_names(log="steering/decisions")

    def counts(self) -> dict[str, int]:
        open_ = self.log["status"].isin(settings.current().steering.open_statuses)
        overdue = open_ & (self.log["due_date"] < pd.Timestamp(self.until))
        return {"decisions": len(self.log), "open": int(open_.sum()), "overdue": int(overdue.sum())}

    @property
    def open(self) -> pd.DataFrame:
        return self.log[self.log["status"].isin(settings.current().steering.open_statuses)]


def known_projects(con: Con, f: Filters) -> list[str]:
    e = f.everyone()
    return sql.df(con, "project/projects", as_of=f.as_of, **e.scope)["project_id"].tolist()


def decision_log(con: Con, until: dt.date, project_id: str = "") -> pd.DataFrame:
    """The decision log (latest version of each decision) decided on or before `until`."""
    return sql.df(con, "steering/decisions", as_of=until, project_id=project_id)


def decisions(con: Con, f: Filters, project_id: str = "", until: dt.date | None = None) -> DecisionsData:
    """The decisions taken up to `until` (default today: decided_by), newest first."""
    by = decided_by(f.as_of, until)
    return DecisionsData(by, decision_log(con, by, project_id), known_projects(con, f))


@dataclass(frozen=True, eq=False)
class DecksData(PageData):
    saved: pd.DataFrame  # the latest version of each saved deck
    projects: pd.DataFrame  # every project (id, name) a slide may show
    models: list[str]  # the scoring models a ranking slide may name
    sql: dict[str, str] = sql_names(saved="ledger/documents", projects="project/projects")

    @property
    def names(self) -> list[str]:
        """The built-in deck, then every saved deck."""
        from epmo import steering

        return [steering.default_deck().name, *self.saved["name"].tolist()]

    def deck(self, name: str) -> Any:
        """A deck by name (the latest version)."""
        from epmo import steering

        if name == steering.default_deck().name:
            return steering.default_deck()
        rows = self.saved[self.saved["name"] == name]
        if rows.empty:
            raise steering.SteeringError(f"no deck named {name!r}; decks: {', '.join(self.names)}")
        return steering.parse_deck(name, rows["spec"].iloc[0], int(rows["version"].iloc[0]))


def decks(con: Con, f: Filters) -> DecksData:
    from epmo.priority import models

    e = f.everyone()
    saved_models = sql.df(con, "ledger/documents", kind=models.KIND)["name"].tolist()
    return DecksData(
        sql.df(con, "ledger/documents", kind=DECK_KIND),
        sql.df(con, "project/projects", as_of=f.as_of, **e.scope),
        [*models.BUILT_INS, *saved_models],
    )
