"""The admin pages' data: Access (portfolios a grant may name, each project's manager) and
Audit (the trail, filtered)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from epmo import labels, sql
from epmo.pagedata.base import Con, Filters, PageData, sql_names


@dataclass(frozen=True, eq=False)
class AccessData(PageData):
    portfolios: list[str]  # every portfolio ever reported
    managers: pd.DataFrame  # project_id, project_manager, portfolio, is_reassigned
    sql: dict[str, str] = sql_names(portfolios="access/portfolios", managers="access/project_managers")


def access_page(con: Con, f: Filters) -> AccessData:
    portfolios = sql.df(con, "access/portfolios")["portfolio"].dropna().tolist()
    return AccessData(portfolios, sql.df(con, "access/project_managers"))


@dataclass(frozen=True, eq=False)
class AuditData(PageData):
    trail: pd.DataFrame  # every change, newest first
    shown: pd.DataFrame  # the rows the filters keep
    sql: dict[str, str] = sql_names(trail="access/audit_trail")


def audit_trail(
    con: Con, f: Filters, actions: tuple[str, ...] = (), people: tuple[str, ...] = (), search: str = ""
) -> AuditData:
    """The audit trail, filtered by action, person and a search over target and detail,
    matched as the page shows them ("05 Jun 2026", "Row counts: ...") and as stored
    ("2026-06-05", the JSON's keys), so what a person reads on a row finds that row."""
    trail = sql.df(con, "access/audit_trail")
    shown = trail
    if actions:
        shown = shown[shown["action"].isin(actions)]
    if people:
        shown = shown[shown["actor"].isin(people)]
    needle = search.strip().lower()
    if needle and len(shown):
        hit = pd.Series(False, index=shown.index)
        for col in ("target", "detail"):
            stored = shown[col].fillna("").astype(str)
            read = pd.Series([labels.text(col, v) for v in shown[col]], index=shown.index, dtype="string")
            for text in (stored, read):
                hit |= text.str.lower().str.contains(needle, regex=False).fillna(False).astype(bool)
        shown = shown[hit]
    return AuditData(trail, shown)
