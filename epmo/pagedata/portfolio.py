"""Portfolio pages: Home, Portfolio health (one function per tab), What changed, Project,
Data quality. The steering slides of the same names read these too."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd

from epmo import health, settings, sql
from epmo.pagedata.base import Con, Filters, PageData, sql_names
from epmo.store import now_utc

# --------------------------------------------------------------------------- Home


@dataclass(frozen=True, eq=False)
class HomeData(PageData):
    headline: pd.DataFrame  # two rows: the as-of week, then the week before
    by_stage: pd.DataFrame
    movers: pd.DataFrame
    freshness: dict[str, int]
    sql: dict[str, str] = sql_names(
        headline="health/headline", by_stage="home/projects_by_stage", movers="health/biggest_movers"
    )

    @property
    def now(self) -> pd.Series:
        return self.headline.iloc[0]

    @property
    def before(self) -> pd.Series:
        return self.headline.iloc[1]

    @property
    def empty(self) -> bool:
        return int(self.now["project_count"]) == 0

    def change(self, col: str) -> float | None:
        """The change of a headline figure since the week before (None: not comparable)."""
        now, before = self.now[col], self.before[col]
        if int(self.before["project_count"]) == 0 or now != now or before != before:
            return None
        return float(now) - float(before)

    def stage_table(self) -> pd.DataFrame:
        """Projects by stage (rows, in stage order) and declared RAG (columns)."""
        by = self.by_stage
        wide = by.assign(rag=by["rag_overall"].fillna("No RAG")).pivot_table(
            index="stage", columns="rag", values="project_count", aggfunc="sum", fill_value=0
        )
        stages = by.sort_values("stage_order")["stage"].drop_duplicates().tolist()
        order = [r for r in ("Red", "Amber", "Green", "No RAG") if r in wide.columns]
        return wide.reindex(index=stages, columns=order, fill_value=0).astype(int)


def freshness(con: Con, f: Filters) -> dict[str, int]:
    """How many projects reported for the week, of how many expected (active stages), and in all."""
    status = sql.df(con, "health/submission_status", as_of=f.as_of, **f.scope)
    expected = status["is_active"].fillna(False).astype(bool)  # macros/epmo_expected_to_report
    reported = int((expected & status["submitted_for_week"].fillna(False).astype(bool)).sum())
    return {"reported": reported, "expected": int(expected.sum()), "projects": len(status)}


def home(con: Con, f: Filters, movers: int = 5, with_freshness: bool = False) -> HomeData:
    return HomeData(
        headline=sql.df(con, "health/headline", as_of=f.as_of, previous=f.previous, **f.scope),
        by_stage=sql.df(con, "home/projects_by_stage", as_of=f.as_of, **f.scope),
        movers=sql.df(
            con, "health/biggest_movers", as_of=f.as_of, previous=f.previous, limit=movers, **f.scope
        ),
        freshness=freshness(con, f) if with_freshness else {},
    )


# --------------------------------------------------------------------------- Portfolio health

QUADRANT_COLUMNS = ["project_id", "project_name", "spi", "cpi", "bac", "rag_computed", "rag_declared"]


@dataclass(frozen=True, eq=False)
class OverviewData(PageData):
    level: str
    projects: pd.DataFrame
    summary: pd.DataFrame
    matrix: pd.DataFrame
    sql: dict[str, str] = sql_names(
        projects="health/project_health",
        quadrant="health/project_health",
        summary="health/portfolio_summary",
        matrix="health/rag_matrix",
    )

    @property
    def active(self) -> pd.DataFrame:
        """Projects in active stages (the CPI/SPI quadrant)."""
        return self.projects[self.projects["is_active"]]

    @property
    def quadrant(self) -> pd.DataFrame:
        return self.active[QUADRANT_COLUMNS]

    @property
    def watermelons(self) -> pd.DataFrame:
        return self.projects[self.projects["is_watermelon"]]

    def rag_counts(self) -> dict[str, int]:
        counts = self.projects["rag_computed"].fillna("").value_counts()
        return {r: int(counts.get(r, 0)) for r in ("Red", "Amber", "Green")}


def health_overview(con: Con, f: Filters, level: str = "portfolio") -> OverviewData:
    return OverviewData(
        level=level,
        projects=sql.df(con, "health/project_health", as_of=f.as_of, **f.scope),
        summary=sql.df(con, "health/portfolio_summary", as_of=f.as_of, level=level, **f.scope),
        matrix=sql.df(con, "health/rag_matrix", as_of=f.as_of, level=level, **f.scope),
    )


@dataclass(frozen=True, eq=False)
class ProjectsData(PageData):
    projects: pd.DataFrame
    shown: pd.DataFrame  # all, or only where declared and computed RAG differ
    watermelons: pd.DataFrame
    sql: dict[str, str] = sql_names(projects="health/project_health")


def health_projects(con: Con, f: Filters, only_disagree: bool = False) -> ProjectsData:
    projects = sql.df(con, "health/project_health", as_of=f.as_of, **f.scope)
    differ = projects["rag_computed"].notna() & (projects["rag_declared"] != projects["rag_computed"])
    return ProjectsData(
        projects=projects,
        shown=projects[differ] if only_disagree else projects,
        watermelons=projects[projects["is_watermelon"]],
    )


@dataclass(frozen=True, eq=False)
class BurnData(PageData):
    burn: pd.DataFrame
    sql: dict[str, str] = sql_names(burn="health/budget_burn")


def health_budget_burn(con: Con, f: Filters) -> BurnData:
    return BurnData(sql.df(con, "health/budget_burn", as_of=f.as_of, project_id="", **f.scope))


@dataclass(frozen=True, eq=False)
class MilestonesData(PageData):
    slippage: pd.DataFrame  # all milestones
    shown: pd.DataFrame  # key milestones only, or all
    open: pd.DataFrame  # the open ones of `shown`
    worst: list[str]  # the projects with the worst-slipping open milestones
    project_ids: list[str]  # every project in scope (the trend's choices)
    trend: pd.DataFrame  # of the chosen projects (default: worst)
    red_days: int
    sql: dict[str, str] = sql_names(slippage="health/milestone_slippage", trend="health/milestone_trend")

    @property
    def slipping(self) -> int:
        return int((self.open["slip_days"] >= self.red_days).sum())

    @property
    def slipped_further(self) -> int:
        return int((self.open["slip_change_days"] > 0).sum())


def health_milestones(
    con: Con, f: Filters, key_only: bool = True, trend_projects: tuple[str, ...] | None = None
) -> MilestonesData:
    slips = sql.df(
        con, "health/milestone_slippage", as_of=f.as_of, previous=f.previous, project_id="", **f.scope
    )
    shown = slips[slips["is_key"]] if key_only else slips
    open_ms = shown[shown["actual_date"].isna()]
    worst = open_ms.sort_values("slip_days", ascending=False)["project_id"].drop_duplicates().head(6).tolist()
    chosen = list(trend_projects) if trend_projects is not None else worst
    ids = sql.df(con, "project/projects", as_of=f.as_of, **f.scope)["project_id"]
    return MilestonesData(
        slippage=slips,
        shown=shown,
        open=open_ms,
        worst=worst,
        project_ids=sorted(ids.tolist()),
        trend=sql.df(con, "health/milestone_trend", as_of=f.as_of, project_ids=chosen),
        red_days=settings.current().health.slip_red_days,
    )


@dataclass(frozen=True, eq=False)
class RaidData(PageData):
    items: pd.DataFrame
    grid: pd.DataFrame
    dependencies: pd.DataFrame
    drawn: pd.DataFrame  # the dependencies shown (all, or only late and at risk)
    sql: dict[str, str] = sql_names(
        items="health/raid_items", grid="health/raid_heat_grid", dependencies="health/dependencies"
    )

    @property
    def risks(self) -> pd.DataFrame:
        return self.items[self.items["raid_type"] == "Risk"]

    @property
    def overdue(self) -> pd.DataFrame:
        return self.items[self.items["is_overdue"]]

    def dependency_counts(self) -> dict[str, int]:
        counts = self.dependencies["dependency_status"].value_counts()
        return {k: int(counts.get(k, 0)) for k in ("late", "at risk", "on track")}


def health_raid(con: Con, f: Filters, all_dependencies: bool = False) -> RaidData:
    deps = sql.df(con, "health/dependencies", as_of=f.as_of, **f.scope)
    return RaidData(
        items=sql.df(con, "health/raid_items", as_of=f.as_of, project_id="", **f.scope),
        grid=sql.df(con, "health/raid_heat_grid", as_of=f.as_of, **f.scope),
        dependencies=deps,
        drawn=deps if all_dependencies else deps[deps["dependency_status"] != "on track"],
    )


def project_count(con: Con, f: Filters) -> int:
    """Projects reported on or before the week in scope (0: the health page says so)."""
    return len(sql.df(con, "project/projects", as_of=f.as_of, **f.scope))


# --------------------------------------------------------------------------- What changed

DATE_CHANGES = ["forecast_end", "milestone"]
RAG_CHANGES = ["rag_computed", "rag_declared"]


@dataclass(frozen=True, eq=False)
class ChangesData(PageData):
    since: dt.date
    weeks: list[dt.date]  # the earlier reporting weeks to compare with (and the week before)
    changes: pd.DataFrame
    shown: pd.DataFrame  # after the kinds and the smallest date move
    sql: dict[str, str] = sql_names(changes="health/changes")

    @property
    def kinds(self) -> list[str]:
        return sorted(self.changes["change_type"].unique().tolist())

    @property
    def worse(self) -> pd.DataFrame:
        """RAG changes for the worse among those shown."""
        s = self.shown
        return s[s["change_type"].isin(RAG_CHANGES) & (s["change_amount"] > 0)]


def reporting_weeks(con: Con) -> list[dt.date]:
    weeks = sql.df(con, "ledger/reporting_weeks")
    return [pd.Timestamp(d).date() for d in weeks["as_of_date"]]


def changes(
    con: Con,
    f: Filters,
    since: dt.date | None = None,
    kinds: tuple[str, ...] = (),
    min_days: int = 0,
) -> ChangesData:
    since = since or f.previous
    frame = sql.df(con, "health/changes", as_of=f.as_of, since=since, **f.scope)
    shown = frame[frame["change_type"].isin(list(kinds))] if kinds else frame
    is_date = shown["change_type"].isin(DATE_CHANGES)
    shown = shown[~is_date | (shown["change_amount"].abs() >= min_days)]
    earlier = [w for w in reporting_weeks(con) if w < f.as_of]
    return ChangesData(
        since=since,
        weeks=sorted(set(earlier) | {f.previous}, reverse=True),
        changes=frame,
        shown=shown,
    )


# --------------------------------------------------------------------------- Project


@dataclass(frozen=True, eq=False)
class ProjectData(PageData):
    choices: pd.DataFrame  # every project reported on or before the week (id, name)
    project_id: str
    history: pd.DataFrame
    burn: pd.DataFrame
    milestones: pd.DataFrame
    trend: pd.DataFrame
    raid: pd.DataFrame
    changes: pd.DataFrame
    decisions: pd.DataFrame
    sql: dict[str, str] = sql_names(
        history="project/health_history",
        burn="health/budget_burn",
        milestones="health/milestone_slippage",
        trend="health/milestone_trend",
        raid="health/raid_items",
        changes="health/changes",
        decisions="steering/decisions",
    )

    @property
    def names(self) -> dict[str, str]:
        return dict(zip(self.choices["project_id"], self.choices["project_name"], strict=True))

    @property
    def now(self) -> pd.Series:
        return self.history.iloc[-1]

    @property
    def open_milestones(self) -> pd.DataFrame:
        return self.milestones[self.milestones["actual_date"].isna()]

    def change(self, name: str) -> float | None:
        """A measure's change since the project's previous report (None: none or unchanged)."""
        if len(self.history) < 2:
            return None
        now, prev = self.history.iloc[-1][name], self.history.iloc[-2][name]
        if now != now or prev != prev or now == prev:
            return None
        return float(now) - float(prev)


def decided_by(as_of: dt.date, until: dt.date | None = None) -> dt.date:
    """Decisions shown with a week's data: those taken up to `until` (a frozen deck's day:
    a pack rebuilt later shows the decisions its meeting had, not later meetings'), else up
    to today (the meeting looks at last week's data); up to the as-of week when later."""
    return max(as_of, until or now_utc().date())


def biggest_mover(con: Con, f: Filters) -> str:
    """The week's biggest mover ("" when nothing moved): the built-in deck's project slide."""
    movers = sql.df(con, "health/biggest_movers", as_of=f.as_of, previous=f.previous, limit=1, **f.scope)
    return str(movers["project_id"].iloc[0]) if len(movers) else ""


def project(con: Con, f: Filters, project_id: str | None = None, until: dt.date | None = None) -> ProjectData:
    """One project over time (default: the first in the list, as the page opens). The Project
    page shows every project, whatever the portfolio filter. Its decisions: up to `until`
    (decided_by)."""
    e = f.everyone()
    choices = sql.df(con, "project/projects", as_of=f.as_of, **e.scope)
    ids = choices["project_id"].tolist()
    pid = project_id if project_id in ids else (str(ids[0]) if ids else "")
    if not pid:
        empty = pd.DataFrame()
        return ProjectData(choices, "", empty, empty, empty, empty, empty, empty, empty)
    changed = sql.df(con, "health/changes", as_of=f.as_of, since=f.previous, **e.scope)
    return ProjectData(
        choices=choices,
        project_id=pid,
        history=sql.df(con, "project/health_history", project_id=pid, as_of=f.as_of),
        burn=sql.df(con, "health/budget_burn", as_of=f.as_of, project_id=pid, **e.scope),
        milestones=sql.df(
            con, "health/milestone_slippage", as_of=f.as_of, previous=f.previous, project_id=pid, **e.scope
        ),
        trend=sql.df(con, "health/milestone_trend", as_of=f.as_of, project_ids=[pid]),
        raid=sql.df(con, "health/raid_items", as_of=f.as_of, project_id=pid, **e.scope),
        changes=changed[changed["project_id"] == pid],
        decisions=sql.df(con, "steering/decisions", as_of=decided_by(f.as_of, until), project_id=pid),
    )


# --------------------------------------------------------------------------- Data quality

ATTENTION_COLUMNS = [
    "project_manager",
    "project_id",
    "project_name",
    "submission_status",
    "last_as_of_date",
    "weeks_stale",
    "missing_required_fields",
    "unchanged_weeks",
]


@dataclass(frozen=True, eq=False)
class DataQualityData(PageData):
    status: pd.DataFrame
    managers: pd.DataFrame
    settings: dict[str, Any]
    sql: dict[str, str] = sql_names(status="health/submission_status", managers="health/submission_status")

    @property
    def active(self) -> pd.DataFrame:
        return self.status[self.status["is_active"]]

    def counts(self) -> dict[str, int]:
        a = self.active
        return {
            "active": len(a),
            "on time": int((a["submission_status"] == "on time").sum()),
            "late": int((a["submission_status"] == "late").sum()),
            "missing": int((a["submission_status"] == "missing").sum()),
            "unchanged": int(a["is_unchanged_too_long"].fillna(False).sum()),
        }

    @property
    def problems(self) -> pd.DataFrame:
        """Active projects missing, late, with blank expected fields or unchanged too long."""
        a = self.active
        return a[
            (a["submission_status"] != "on time")
            | (a["missing_field_count"] > 0)
            | a["is_unchanged_too_long"].fillna(False)
        ]


def data_quality(con: Con, f: Filters) -> DataQualityData:
    status = sql.df(con, "health/submission_status", as_of=f.as_of, **f.scope)
    return DataQualityData(
        status=status,
        managers=health.by_manager(status) if len(status) else pd.DataFrame(),
        settings={
            "late_after_days": settings.current().health.late_after_days,
            "unchanged_weeks": settings.current().health.unchanged_weeks,
            "expected_fields": settings.current().health.expected_fields,
        },
    )
