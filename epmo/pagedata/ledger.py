"""The store's own pages: the sidebar's choices, Submissions (the upload ledger), Tables
(a contract table as of the week) and the saved documents pages offer."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from epmo import export, labels, sql
from epmo.pagedata.base import Con, Filters, PageData, sql_names
from epmo.pagedata.portfolio import reporting_weeks

# the Filters of what is not as of a week (the ledger, saved documents)
EVERY_WEEK = Filters(dt.date.min)


@dataclass(frozen=True, eq=False)
class SidebarData(PageData):
    weeks: list[dt.date]  # reporting weeks, newest first
    filters: pd.DataFrame  # portfolio and programme of every project as of the week
    sql: dict[str, str] = sql_names(weeks="ledger/reporting_weeks", filters="home/portfolio_filters")

    @property
    def portfolios(self) -> list[str]:
        return sorted(self.filters["portfolio"].dropna().unique().tolist())

    def programmes(self, portfolios: list[str]) -> list[str]:
        scope = self.filters[self.filters["portfolio"].isin(portfolios)] if portfolios else self.filters
        return sorted(scope["programme"].dropna().unique().tolist())


def weeks(con: Con) -> list[dt.date]:
    return reporting_weeks(con)


def sidebar(con: Con, as_of: dt.date) -> SidebarData:
    """The sidebar's choices for a week: the reporting weeks and the filter values."""
    return SidebarData(reporting_weeks(con), sql.df(con, "home/portfolio_filters", as_of=as_of))


# How many ledger rows the page's table, and how many uploads its retract picker, list: the
# latest ones (the ledger is newest first); the search reaches every upload and the
# downloads hold every row it matches. The whole ledger went to the browser on every run
# before: 1.6 MB of table and 330 kB of picker labels at the medium demo (4,313 uploads).
SHOWN_ROWS = 200


@dataclass(frozen=True, eq=False)
class SubmissionsData(PageData):
    ledger: pd.DataFrame
    shown: pd.DataFrame  # after the search, newest first
    sql: dict[str, str] = sql_names(ledger="export/uploads")

    @property
    def live(self) -> pd.DataFrame:
        """Uploads that may be retracted."""
        return self.ledger[self.ledger["status"] == "accepted"]

    def latest(self, limit: int = SHOWN_ROWS) -> pd.DataFrame:
        """The newest `limit` rows the search matched: what the page's table lists."""
        return self.shown.head(limit)

    def retract_choices(self, limit: int = SHOWN_ROWS) -> pd.DataFrame:
        """The newest `limit` live uploads the search matched: what the retract picker
        offers (the search finds an older one by its id or file name)."""
        return self.shown[self.shown["status"] == "accepted"].head(limit)

    def retract_labels(self, limit: int = SHOWN_ROWS) -> dict[str, str]:
        """upload id -> its short id and file name, for the picker's choices (one pass, not a
        look-up per option: that cost the page seconds at thousands of uploads)."""
        live = self.retract_choices(limit)
        return {u: f"{u[:12]}  {n}" for u, n in zip(live["upload_id"], live["file_name"], strict=True)}

    def counts(self) -> dict[str, object]:
        n = len(self.ledger)
        return {
            "uploads": n,
            "retracted": int((self.ledger["status"] == "retracted").sum()) if n else 0,
            "latest": labels.text("as_of_date", self.ledger["as_of_date"].max().date()) if n else "-",
        }


SEARCHED = ["file_name", "user_email", "upload_id"]


def submissions(con: Con, f: Filters, search: str = "") -> SubmissionsData:
    """The upload ledger, filtered by a search over file, person and upload id."""
    ledger = sql.df(con, "export/uploads")
    shown = ledger
    needle = search.strip().lower()
    if needle and len(ledger):
        hit = pd.Series(False, index=ledger.index)
        for col in SEARCHED:
            hit |= ledger[col].fillna("").str.lower().str.contains(needle, regex=False)
        shown = ledger[hit]
    return SubmissionsData(ledger, shown)


@dataclass(frozen=True, eq=False)
class TableData(PageData):
    name: str
    description: str
    frame: pd.DataFrame
    sql: dict[str, str]


def table_names() -> list[str]:
    """The contract tables the Tables page offers."""
    return [n for n, v in export.VIEWS.items() if v.needs_as_of and not v.builder]


def table_title(name: str) -> str:
    """A table's name as a person reads it (Work items for work_items: epmo.labels)."""
    return labels.text("table_name", name)


def table(con: Con, f: Filters, name: str = "projects") -> TableData:
    """A contract table as of the week (the portfolio filter applied where it has one)."""
    view = export.VIEWS[name]
    frame = sql.df(con, view.query, as_of=f.as_of)
    if f.portfolios and "portfolio" in frame.columns:
        frame = frame[frame["portfolio"].isin(list(f.portfolios))]
    return TableData(name, view.description, frame, {"frame": view.query})


@dataclass(frozen=True, eq=False)
class DocumentsData(PageData):
    documents: pd.DataFrame  # the latest version of each saved document of a kind
    sql: dict[str, str] = sql_names(documents="ledger/documents")


def documents(con: Con, f: Filters, kind: str) -> DocumentsData:
    """Saved documents of one kind (mappings, workflows, decks, scenarios, models)."""
    return DocumentsData(sql.df(con, "ledger/documents", kind=kind))


def document_versions(con: Con, f: Filters, kind: str, name: str) -> DocumentsData:
    return DocumentsData(
        sql.df(con, "ledger/document_versions", kind=kind, name=name),
        {"documents": "ledger/document_versions"},
    )


def rules() -> pd.DataFrame:
    """The validation rules (queries/checks/), as the Upload page lists them."""
    rows = []
    for n in sql.names("checks"):
        meta = sql.query(n).meta
        rows.append(
            {
                "rule": meta.get("rule", n),
                "severity": meta.get("severity", ""),
                "checks": meta.get("grain", ""),
            }
        )
    return pd.DataFrame(rows)
