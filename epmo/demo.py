"""A realistic, deterministic demo portfolio (per seed), written through the store's commit.

Projects follow a health profile (healthy, slipping, troubled, recovering) so that their
EVM numbers, declared RAG, forecast end and milestones agree with each other; a few are
"watermelons" (declared Green while the numbers say Red). Each project manager submits one
upload a week for their projects; one PM misses the latest week and others miss a week now
and then. Resource managers submit capacity monthly; demand exceeds capacity in some months.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute  # noqa: F401  (pa.compute)

from epmo import clock, contract
from epmo.demo_work_items import Backlog, make_backlog
from epmo.demo_work_items import snapshot as work_item_snapshot
from epmo.ingest import latest_reporting_day
from epmo.store import Store, data_schema

SCALES = {"small": (40, 26), "medium": (500, 52), "large": (5000, 156)}

PORTFOLIOS: dict[str, list[str | None]] = {
    "Customer & Digital": ["Digital Channels", "Customer Experience", "Payments Modernisation"],
    "Corporate Systems": ["HR Transformation", "Finance Uplift", None],
    "Data & Analytics": ["Data Platform", "Regulatory Reporting"],
    "Infrastructure & Security": ["Cloud Migration", "Cyber Resilience", "Network Refresh"],
    "Operations Excellence": ["Process Automation", None],
}
TEAMS = {
    "Developer": "Digital Delivery",
    "Tester": "Quality Engineering",
    "Business Analyst": "Business Change",
    "Project Manager": "Project Management Office",
    "Architect": "Architecture",
    "Data Engineer": "Data & Analytics",
}
ROLES = list(TEAMS)
WORDS_A = [
    "Customer",
    "Payroll",
    "Claims",
    "Data",
    "Cloud",
    "Billing",
    "Identity",
    "Network",
    "Mobile",
    "Supplier",
    "Asset",
    "Contact",
    "Risk",
    "Reporting",
    "Digital",
    "Records",
]
WORDS_B = [
    "Portal",
    "Replacement",
    "Uplift",
    "Platform",
    "Migration",
    "Automation",
    "Hub",
    "Modernisation",
    "Consolidation",
    "Refresh",
    "Integration",
    "Analytics",
]
FIRST = [
    "Alex",
    "Sam",
    "Priya",
    "Jordan",
    "Mei",
    "Tom",
    "Aisha",
    "Luca",
    "Noor",
    "Ben",
    "Chloe",
    "Ravi",
    "Grace",
    "Omar",
    "Hannah",
    "Kenji",
    "Zoe",
    "Liam",
    "Ana",
    "Marcus",
]
LAST = [
    "Nguyen",
    "Smith",
    "Patel",
    "Brown",
    "Chen",
    "Wilson",
    "Khan",
    "Taylor",
    "Rossi",
    "Murphy",
    "Silva",
    "Martin",
    "Cohen",
    "Okafor",
    "Walsh",
    "Kumar",
    "Jones",
    "Lee",
]
PROFILES = ("healthy", "slipping", "troubled", "recovering")
RISK_TITLES = [
    "Key supplier capacity constrained",
    "Scope growth from business requests",
    "Integration testing environment unavailable",
    "Data quality in source systems",
    "Key SME availability",
    "Regulatory change may alter requirements",
    "Vendor contract renewal delayed",
    "Budget approval for phase 2 pending",
    "Legacy decommissioning dependency",
    "Security accreditation timeline",
]
MILESTONE_NAMES = [
    "Business case approved",
    "Design complete",
    "Build complete",
    "Testing complete",
    "Go-live",
    "Benefits review",
]
# When each milestone falls, as a share of the planned duration: go-live near the planned
# end, the benefits review after it. Short projects (40 weeks or less) skip the separate
# testing milestone; only long ones (over 70 weeks) plan a benefits review.
MILESTONE_AT = (0.05, 0.3, 0.6, 0.82, 0.95, 1.1)
GO_LIVE = MILESTONE_NAMES.index("Go-live")


def _milestones(weeks: int) -> list[int]:
    return [k for k in range(len(MILESTONE_NAMES)) if (k != 3 or weeks > 40) and (k != 5 or weeks > 70)]


def _trait(pid: str, salt: str) -> float:
    """A fixed number in [0, 1) per project and purpose, from its id (deterministic, and it
    leaves the random stream, hence every other number of the demo, unchanged)."""
    return int(hashlib.sha256(f"{salt}:{pid}".encode()).hexdigest()[:8], 16) / 2**32


class _Columns:
    """Column lists per store table, filled row by row or many rows at a time."""

    def __init__(self, cols: dict[str, dict[str, list[object]]]):
        self.cols = cols
        # demand hours per role falling in the month after each snapshot (sizes capacity)
        self.next_month_hours: dict[str, float] = {}

    def add(self, table: str, row: dict[str, object]) -> None:
        for k, values in self.cols[table].items():
            values.append(row.get(k))

    def extend(self, table: str, **columns: list[object]) -> None:
        n = len(next(iter(columns.values())))
        for k, values in self.cols[table].items():
            values.extend(columns.get(k, [None] * n))


@dataclass
class Project:
    pid: str
    name: str
    portfolio: str
    programme: str | None
    sponsor: str
    pm: str
    method: str
    start: dt.date
    weeks: int  # planned duration
    bac: float
    profile: str
    watermelon: bool
    fate: str  # "normal", "on hold", "cancelled", "idea", "proposal"
    roles: list[str]
    prio: dict[str, object]


def _person(rng: np.random.Generator) -> str:
    return f"{FIRST[rng.integers(len(FIRST))]} {LAST[rng.integers(len(LAST))]}"


def _email(name: str) -> str:
    return name.lower().replace(" ", ".") + "@example.org"


def _monday(d: dt.date) -> dt.date:
    return d - dt.timedelta(days=d.weekday())


def _month(d: dt.date, add: int = 0) -> dt.date:
    m = d.month - 1 + add
    return dt.date(d.year + m // 12, m % 12 + 1, 1)


def make_projects(n: int, rng: np.random.Generator, first_week: dt.date, last_week: dt.date) -> list[Project]:
    n_pm = max(4, n // 6)
    pms = [_email(_person(rng)) + "" for _ in range(n_pm)]
    pms = [f"{p.split('@')[0]}{i}@example.org" for i, p in enumerate(pms)]
    sponsors = [_person(rng) for _ in range(max(3, n // 25))]
    portfolios = list(PORTFOLIOS)
    span = (last_week - first_week).days
    projects = []
    for i in range(n):
        pf = portfolios[i % len(portfolios)]
        prog = PORTFOLIOS[pf][int(rng.integers(len(PORTFOLIOS[pf])))]
        weeks = int(rng.integers(16, 104))
        start = first_week + dt.timedelta(days=int(rng.integers(-40 * 7, span + 8 * 7)))
        bac = float(round(np.exp(rng.normal(13.3, 0.9)), -3))
        profile = PROFILES[int(rng.choice(4, p=[0.5, 0.2, 0.18, 0.12]))]
        fate = str(
            rng.choice(
                ["normal", "on hold", "cancelled", "idea", "proposal"], p=[0.86, 0.04, 0.02, 0.04, 0.04]
            )
        )
        roles = list(rng.choice(ROLES, size=int(rng.integers(3, 6)), replace=False))
        if "Project Manager" not in roles:
            roles[0] = "Project Manager"
        fib = contract.FIBONACCI_SCALE
        prio: dict[str, object] = {
            "strategic_alignment": float(rng.integers(1, 6)),
            "business_value": int(rng.choice(fib)),
            "time_criticality": int(rng.choice(fib)),
            "risk_reduction": int(rng.choice(fib)),
            "job_size": float(rng.integers(1, 21)),
            "reach": float(rng.integers(1, 50) * 100),
            "impact": float(rng.choice([0.25, 0.5, 1, 2, 3])),
            "confidence": float(rng.choice([50, 80, 100])),
            "effort_person_months": float(max(1, round(bac / 15000))),
            "is_mandatory": bool(rng.random() < 0.08),
        }
        name = f"{WORDS_A[int(rng.integers(len(WORDS_A)))]} {WORDS_B[int(rng.integers(len(WORDS_B)))]}"
        projects.append(
            Project(
                pid=f"PRJ-{i + 1:04d}",
                name=f"{name} {i + 1}",
                portfolio=pf,
                programme=prog,
                sponsor=sponsors[int(rng.integers(len(sponsors)))],
                pm=pms[i % n_pm],
                method=str(rng.choice(["Waterfall", "Agile", "Hybrid"])),
                start=start,
                weeks=weeks,
                bac=bac,
                profile=profile,
                watermelon=profile == "troubled" and rng.random() < 0.3,
                fate=fate,
                roles=roles,
                prio=prio,
            )
        )
    return projects


def _indices(p: Project, frac: float) -> tuple[float, float]:
    """(CPI, SPI) for a profile at a fraction of the planned duration."""
    f = min(max(frac, 0.0), 1.2)
    if p.profile == "healthy":
        return 1.02 - 0.04 * f, 1.0 - 0.03 * f
    if p.profile == "slipping":
        return 0.98 - 0.06 * f, 0.97 - 0.12 * f
    if p.profile == "troubled":
        return 0.93 - 0.18 * f, 0.9 - 0.2 * f
    return 0.85 + 0.12 * f, 0.82 + 0.15 * f  # recovering


def _rag(cpi: float, spi: float, slip: int) -> str:
    worst = min(cpi, spi)
    if worst < 0.85 or slip >= 30:
        return "Red"
    if worst < 0.95 or slip >= 15:
        return "Amber"
    return "Green"


def build(
    scale: str = "small", seed: int = 7, end: dt.date | None = None
) -> tuple[dict[str, pa.Table], list[dict[str, object]]]:
    """The demo as store frames (with upload_id) and ledger rows."""
    n_projects, n_weeks = SCALES[scale]
    rng = np.random.default_rng(seed)
    last = end or latest_reporting_day()
    weeks = [last - dt.timedelta(weeks=k) for k in range(n_weeks - 1, -1, -1)]
    projects = make_projects(n_projects, rng, weeks[0], weeks[-1])
    pms = sorted({p.pm for p in projects})
    late_pm = pms[len(pms) // 2]
    miss = {(pm, w) for pm in pms for w in weeks if rng.random() < 0.02}
    cols: dict[str, dict[str, list[object]]] = {
        t: {c: [] for c in data_schema(t).names}
        for t in ("projects", "milestones", "raid", "allocations", "financials", "capacity", "work_items")
    }
    ledger: list[dict[str, object]] = []
    raid_state: dict[str, list[dict[str, object]]] = {}
    by_pm: dict[str, list[Project]] = {}
    for p in projects:
        by_pm.setdefault(p.pm, []).append(p)

    out = _Columns(cols)
    capacity_weeks: list[dt.date] = []
    backlogs: dict[str, Backlog] = {}

    for wi, week in enumerate(weeks):
        for pm, owned in by_pm.items():
            if (pm, week) in miss or (pm == late_pm and week == weeks[-1]):
                continue
            upload_id = hashlib.sha256(f"{seed}|{scale}|{pm}|{week}".encode()).hexdigest()[:32]
            counts: dict[str, int] = {}
            for p in owned:
                n = _project_week(p, week, wi, upload_id, out, raid_state, rng, projects)
                if n and _reports_work_items(p, wi, len(weeks), len(projects)):
                    n |= _work_items(p, week, upload_id, out, seed, backlogs)
                for t, k in n.items():
                    counts[t] = counts.get(t, 0) + k
            if counts:
                ledger.append(
                    {
                        "upload_id": upload_id,
                        "as_of_date": week,
                        "user_email": pm,
                        "file_name": f"weekly_extract_{week}.xlsx",
                        "sha256": upload_id * 2,
                        "tables": ",".join(sorted(counts)),
                        "row_counts": str(counts).replace("'", '"'),
                        "mapping_name": "",
                        "note": "demo",
                    }
                )
        if wi % 4 == 0 or wi == len(weeks) - 1:
            capacity_weeks.append(week)
    # Resource managers size teams to the typical demand: a little above it most months,
    # below it in the holiday months, so that demand exceeds supply in some months.
    level = {role: h / len(weeks) for role, h in out.next_month_hours.items()}
    for week in capacity_weeks:
        _capacity(week, seed, scale, out, ledger, level)
    frames = {t: pa.table(c, schema=data_schema(t)) for t, c in cols.items() if c["upload_id"]}
    habits = np.random.default_rng([seed, 1])  # a stream of its own: the rest stays as it was
    frames["projects"] = _reporting_habits(frames["projects"], ledger, habits)
    _commit_times(ledger, habits)
    return frames, ledger


def _reports_work_items(p: Project, wi: int, n_weeks: int, n_projects: int) -> bool:
    """Agile and Hybrid projects export their backlog every week of the last eight, and
    (portfolios of up to 1,000 projects) every fourth week before; not before they start."""
    if p.method == "Waterfall" or p.fate in ("idea", "proposal"):
        return False
    return wi >= n_weeks - 8 or (wi % 4 == 0 and n_projects <= 1000)


def _work_items(
    p: Project, week: dt.date, upload_id: str, out: _Columns, seed: int, backlogs: dict[str, Backlog]
) -> dict[str, int]:
    if week < p.start:
        return {}
    if p.pid not in backlogs:
        backlogs[p.pid] = make_backlog(p.pid, p.start, p.weeks, p.profile, seed)
    cols = work_item_snapshot(backlogs[p.pid], p.pid, week)
    n = len(cols["item_key"])
    if not n:
        return {}
    out.extend("work_items", **cols, upload_id=[upload_id] * n)
    return {"work_items": n}


def _reporting_habits(
    projects: pa.Table, ledger: list[dict[str, object]], rng: np.random.Generator
) -> pa.Table:
    """What data quality pages are for: some PMs copy last month's row forward unchanged,
    some leave optional fields blank."""
    week_of = {r["upload_id"]: r["as_of_date"] for r in ledger}
    frame = projects.to_pandas()
    frame["_week"] = frame["upload_id"].map(week_of)
    weeks = sorted(frame["_week"].unique())
    ids = sorted(frame["project_id"].unique())
    n = max(1, len(ids) // 60)
    frozen_from = weeks[max(0, len(weeks) - 9)]
    tail = frame[(frame["_week"] >= frozen_from) & (frame["stage"] == "Execution")]
    steady = tail.groupby("project_id")["_week"].nunique()
    steady_ids = sorted(steady.index[steady == steady.max()]) if len(steady) else []
    copied = rng.choice(steady_ids, size=min(n, len(steady_ids)), replace=False)
    if len(weeks) > 9:
        keep = [c for c in frame.columns if c not in ("upload_id", "source_row", "_week")]
        for pid in copied:
            rows = frame.index[(frame["project_id"] == pid) & (frame["_week"] >= frozen_from)]
            if len(rows) > 1:
                frame.loc[rows[1:], keep] = frame.loc[[rows[0]] * (len(rows) - 1), keep].to_numpy()
    others = [i for i in ids if i not in set(copied)]
    blank = rng.choice(others, size=min(n * 2, len(others)), replace=False)
    recent = frame["_week"] >= weeks[max(0, len(weeks) - 4)]
    for i, pid in enumerate(blank):
        rows = (frame["project_id"] == pid) & recent
        fields = ["status_summary", "forecast_eac"] if i % 2 else ["earned_value", "percent_complete"]
        for f in fields:
            frame.loc[rows, f] = None
    return pa.Table.from_pandas(frame.drop(columns="_week"), schema=projects.schema, preserve_index=False)


def _commit_times(ledger: list[dict[str, object]], rng: np.random.Generator) -> None:
    """Most extracts arrive within a day or two of their week; one in eight is late.

    Never later than the start of today (UTC), so real uploads made today supersede the
    demo's, and two builds on the same day are identical.
    """
    now = dt.datetime.combine(clock.today(), dt.time(0), dt.UTC)
    for r in ledger:
        week = r["as_of_date"]
        assert isinstance(week, dt.date)
        days = rng.uniform(4.5, 8) if rng.random() < 0.125 else rng.uniform(0.2, 2.5)
        stamp = dt.datetime.combine(week, dt.time(17), dt.UTC) + dt.timedelta(days=float(days))
        r["event_at"] = min(stamp, now)


def _project_week(
    p: Project, week: dt.date, wi: int, upload_id: str, out: _Columns, raid_state, rng, projects
) -> dict[str, int]:  # type: ignore[no-untyped-def]
    counts: dict[str, int] = {}
    planned_end = p.start + dt.timedelta(weeks=p.weeks)
    if p.fate in ("idea", "proposal"):
        start = max(p.start, week + dt.timedelta(weeks=8))
        if week < p.start - dt.timedelta(weeks=30):
            return counts
        stage = "Idea" if p.fate == "idea" else "Proposal"
        row = _project_row(
            p,
            stage,
            start,
            start + dt.timedelta(weeks=p.weeks),
            start + dt.timedelta(weeks=p.weeks),
            None,
            0.0,
            0.0,
            0.0,
            0.0,
            "Green",
        )
        row["upload_id"] = upload_id
        out.add("projects", row)
        return {"projects": 1}
    if week < p.start - dt.timedelta(weeks=6):
        return counts
    elapsed = (week - p.start).days / 7
    frac = elapsed / p.weeks
    cpi, spi = _indices(p, frac)
    cpi += float(rng.normal(0, 0.01))
    spi += float(rng.normal(0, 0.01))
    if frac < 0:  # not started: nothing to be late or over budget on yet
        cpi, spi = 1.0, 1.0
    pv_frac = min(max(frac, 0.0), 1.0)
    ev_frac = min(pv_frac * spi, 1.0)
    # the end slips as the work done falls behind: the days elapsed times the shortfall
    done = min(max(frac, 0.0), 1.0)
    slip_days = int(round(done * p.weeks * 7 * max(0.0, 1 / max(spi, 0.5) - 1)))
    forecast_end = planned_end + dt.timedelta(days=slip_days)
    finished = ev_frac >= 1.0 or week > forecast_end
    actual_end = forecast_end if week > forecast_end else None
    # milestones are re-forecast in whole weeks from the trend (not the week's noise), so a
    # key milestone slips further now and then, not every week
    trend_spi = _indices(p, frac)[1] if frac >= 0 else 1.0
    trend_slip = int(round(done * p.weeks * 7 * max(0.0, 1 / max(trend_spi, 0.5) - 1)))
    plan = []
    for k in _milestones(p.weeks):
        base = p.start + dt.timedelta(days=int(p.weeks * 7 * MILESTONE_AT[k]))
        fc = base + dt.timedelta(days=7 * (int(trend_slip * MILESTONE_AT[k]) // 7))
        plan.append((k, base, fc))
    live = any(k == GO_LIVE and fc <= week for k, _, fc in plan)
    if frac < 0:
        stage = "Approved" if frac < -0.05 else "Initiation"
    elif frac < 0.15:
        stage = "Planning"
    elif not finished and not live:
        stage = "Execution"
    elif actual_end and (week - actual_end).days > 28:
        stage = "Closed"
    else:
        stage = "Closing"  # live: handing over, closing the books
    if p.fate == "on hold" and frac > 0.4:
        stage = "On hold"
    if p.fate == "cancelled" and frac > 0.3:
        stage = "Cancelled"
    if stage == "Closed" and (week - (actual_end or week)).days > 120:
        return counts
    pv = p.bac * pv_frac
    ev = p.bac * (1.0 if finished else ev_frac)
    ac = ev / max(cpi, 0.5)
    rag = _rag(cpi, spi, slip_days)
    declared = "Green" if p.watermelon else rag
    eac = round(p.bac / max(cpi, 0.5), -2)
    row = _project_row(
        p,
        stage,
        p.start,
        planned_end,
        forecast_end,
        actual_end,
        pv,
        ev,
        ac,
        eac,
        declared,
        rag_detail=(cpi, spi, slip_days),
    )
    row["upload_id"] = upload_id
    out.add("projects", row)
    counts["projects"] = 1
    # milestones
    for k, base, fc in plan:
        ms_name = MILESTONE_NAMES[k]
        out.add(
            "milestones",
            {
                "project_id": p.pid,
                "milestone_id": f"M{k + 1:02d}",
                "milestone_name": ms_name,
                "baseline_date": base,
                "forecast_date": fc,
                "actual_date": fc if fc <= week else None,
                "is_key": ms_name in ("Go-live", "Build complete", "Design complete"),
                "upload_id": upload_id,
            },
        )
        counts["milestones"] = counts.get("milestones", 0) + 1
    # RAID: new items appear over time, some close
    items = raid_state.setdefault(p.pid, [])
    bad = p.profile in ("troubled", "slipping")
    if not items or rng.random() < (0.12 if bad else 0.05):
        kind = str(rng.choice(["Risk", "Issue", "Assumption", "Dependency"], p=[0.55, 0.2, 0.1, 0.15]))
        other = projects[int(rng.integers(len(projects)))]
        items.append(
            {
                "raid_id": f"R-{len(items) + 1:03d}",
                "raid_type": kind,
                "title": RISK_TITLES[int(rng.integers(len(RISK_TITLES)))],
                "probability": int(rng.integers(2 if bad else 1, 6)),
                "impact": int(rng.integers(2 if bad else 1, 6)),
                "owner": _email(
                    FIRST[int(rng.integers(len(FIRST)))] + " " + LAST[int(rng.integers(len(LAST)))]
                ),
                "status": "Open",
                "raised_date": week,
                "due_date": week + dt.timedelta(weeks=int(rng.integers(2, 12))),
                "related_project_id": other.pid if kind == "Dependency" and other.pid != p.pid else None,
                "need_by_date": week + dt.timedelta(weeks=int(rng.integers(4, 20)))
                if kind == "Dependency"
                else None,
            }
        )
    for it in items:
        if it["status"] == "Open" and rng.random() < (0.03 if bad else 0.08):
            it["status"] = "Closed"
        if it["raid_type"] == "Dependency" and it["related_project_id"] is None:
            it["raid_type"] = "Risk"
        out.add("raid", {"project_id": p.pid, **it, "upload_id": upload_id})
    counts["raid"] = len(items)
    # allocations: the next two months week by week (Mondays), then month by month to a
    # 12-month horizon, never past the forecast end; three or more months out is tentative
    if stage not in ("Closed", "Cancelled", "On hold"):
        month0 = _month(week)
        end_month = _month(forecast_end)
        weekly = [_monday(week) + dt.timedelta(weeks=k) for k in range(10)]
        periods = [(w, 12.0 / 52) for w in weekly if w < _month(month0, 2) and w <= forecast_end]
        periods += [(pm, 1.0) for pm in (_month(month0, m) for m in range(2, 12)) if pm <= end_month]
        grid = [(i, r, role) for i in range(len(periods)) for r, role in enumerate(p.roles)]
        scale_h = p.bac / 1_000_000
        out.extend(
            "allocations",
            project_id=[p.pid] * len(grid),
            role=[role for _, _, role in grid],
            team=[TEAMS[role] for _, _, role in grid],
            resource_name=[None] * len(grid),
            period_start=[periods[i][0] for i, _, _ in grid],
            hours=[
                float(
                    round(
                        (scale_h * (60 if role == "Developer" else 30) + 20)
                        * (0.7 + 0.3 * ((r + i) % 3))
                        * periods[i][1],
                        1,
                    )
                )
                for i, r, role in grid
            ],
            is_tentative=[stage == "Approved" or periods[i][0] >= _month(month0, 3) for i, _, _ in grid],
            upload_id=[upload_id] * len(grid),
        )
        if grid:
            counts["allocations"] = len(grid)
        next_month = (_month(month0, 1), _month(month0, 2))
        for i, r, role in grid:
            if next_month[0] <= periods[i][0] < next_month[1]:
                h = (scale_h * (60 if role == "Developer" else 30) + 20) * (0.7 + 0.3 * ((r + i) % 3))
                out.next_month_hours[role] = out.next_month_hours.get(role, 0.0) + h * periods[i][1]
    # financials: monthly, refreshed every fourth week
    if wi % 4 == 0 and len(projects) <= 1000:
        months = max(1, p.weeks // 4)
        for m in range(months + 1):
            period = _month(p.start, m)
            planned = p.bac / (months + 1)
            is_past = _month(week) > period
            out.add(
                "financials",
                {
                    "project_id": p.pid,
                    "period_start": period,
                    "planned_cost": round(planned, 2),
                    "actual_cost": round(planned / max(cpi, 0.5), 2) if is_past else None,
                    "forecast_cost": round(planned / max(cpi, 0.5), 2),
                    "upload_id": upload_id,
                },
            )
            counts["financials"] = counts.get("financials", 0) + 1
    return counts


_ORDER = {"Green": 0, "Amber": 1, "Red": 2}


def _worst(rags: object) -> str:
    return max(rags, key=lambda r: _ORDER[r])  # type: ignore[call-overload, no-any-return]


def _dimensions(p: Project, stage: str, declared: str, cpi: float, spi: float, slip: int) -> dict[str, str]:
    """The PM's RAG per dimension. Schedule and cost follow the indices; scope and resources
    are the project's own troubles (a share of projects fight scope creep or staffing gaps,
    worse when they are troubled). A watermelon's PM declares everything Green; the overall
    RAG is the worst dimension."""
    if p.watermelon and declared == "Green":
        return {f"rag_{d}": "Green" for d in ("schedule", "cost", "scope", "resources")}
    if stage in ("Idea", "Proposal", "Approved"):
        return {"rag_schedule": "Green", "rag_cost": "Green", "rag_scope": "Green", "rag_resources": "Green"}
    bad = p.profile in ("troubled", "slipping")
    scope_t, staff_t = _trait(p.pid, "scope"), _trait(p.pid, "resources")
    scope = (
        "Red"
        if scope_t < (0.06 if bad else 0.01)
        else "Amber"
        if scope_t < (0.3 if bad else 0.1)
        else "Green"
    )
    staff = (
        "Red"
        if staff_t < (0.1 if bad else 0.02)
        else "Amber"
        if staff_t < (0.35 if bad else 0.12)
        else "Green"
    )
    if stage in ("Closing", "Closed", "On hold", "Cancelled"):
        staff = "Green" if stage != "On hold" else staff
    return {
        "rag_schedule": _rag(1.0, spi, slip),
        "rag_cost": _rag(cpi, 1.0, 0),
        "rag_scope": scope,
        "rag_resources": staff,
    }


def _project_row(
    p: Project,
    stage: str,
    start: dt.date,
    base_end: dt.date,
    fc_end: dt.date,
    actual_end: dt.date | None,
    pv: float,
    ev: float,
    ac: float,
    eac: float,
    rag: str,
    rag_detail: tuple[float, float, int] | None = None,
) -> dict[str, object]:
    cpi, spi, slip = rag_detail or (1.0, 1.0, 0)
    dims = _dimensions(p, stage, rag, cpi, spi, slip)
    rag = "Green" if rag == "Green" and p.watermelon else _worst(dims.values())
    troubles = [d.removeprefix("rag_") for d, r in dims.items() if r != "Green"]
    summary = {
        "Green": "On track against baseline.",
        "Amber": f"Watching {' and '.join(troubles) or 'schedule'}; forecast end {fc_end.isoformat()}.",
        "Red": f"{(' and '.join(troubles) or 'schedule').capitalize()} off track; recovery plan in "
        "progress with the sponsor.",
    }[rag]
    return {
        "project_id": p.pid,
        "project_name": p.name,
        "portfolio": p.portfolio,
        "programme": p.programme,
        "sponsor": p.sponsor,
        "project_manager": p.pm,
        "stage": stage,
        "delivery_method": p.method,
        "start_date": start,
        "baseline_end_date": base_end,
        "forecast_end_date": fc_end,
        "actual_end_date": actual_end,
        "budget_bac": p.bac,
        "actual_cost": round(ac, 2),
        "planned_value": round(pv, 2),
        "earned_value": round(ev, 2),
        "percent_complete": round(100 * ev / p.bac, 1) if p.bac else 0.0,
        "forecast_eac": eac or None,
        "rag_overall": rag,
        **dims,
        "status_summary": summary,
        **p.prio,
    }


def _capacity(
    week: dt.date,
    seed: int,
    scale: str,
    out: _Columns,
    ledger: list[dict[str, object]],
    level: dict[str, float],
) -> None:
    """Resource managers: one capacity upload per team, covering the next 12 months."""
    for role, team in TEAMS.items():
        upload_id = hashlib.sha256(f"{seed}|{scale}|cap|{team}|{week}".encode()).hexdigest()[:32]
        monthly = max(140.0, 1.2 * level.get(role, 0.0))
        for m in range(12):
            period = _month(week, m)
            seasonal = 0.8 if period.month in (12, 1) else (0.9 if period.month in (7, 8) else 1.0)
            out.add(
                "capacity",
                {
                    "team": team,
                    "role": role,
                    "resource_name": None,
                    "period_start": period,
                    "available_hours": round(monthly * seasonal, 1),
                    "upload_id": upload_id,
                },
            )
        ledger.append(
            {
                "upload_id": upload_id,
                "as_of_date": week,
                "user_email": f"resourcing.{team.split()[0].lower()}@example.org",
                "file_name": f"capacity_{team}_{week}.csv",
                "sha256": upload_id * 2,
                "tables": "capacity",
                "row_counts": '{"capacity": 12}',
                "mapping_name": "",
                "note": "demo",
            }
        )


def load_demo(
    store: Store, scale: str = "small", seed: int = 7, if_empty: bool = False, end: dt.date | None = None
) -> str:
    """Load the demo portfolio into a store with no uploads. Its upload ids are fixed by the
    seed, so loading it into a store that has uploads would store rows twice (or mix two
    portfolios): with `if_empty` that store is left as it is and the answer says so;
    otherwise a ValueError says why nothing was loaded."""
    if store.exists():
        n = store.rows("ledger/upload_count")[0]["upload_count"]
        if n and if_empty:
            return f"store {store.uri} already has {n} uploads; demo not loaded"
        if n:
            raise ValueError(
                f"store {store.uri} already has {n:,} uploads; the demo loads only into an empty "
                "store (loading it again would store its rows twice). Nothing was written: give "
                "another --store (or EPMO_STORE), or --if-empty to skip a store that has data."
            )
    frames, ledger = build(scale, seed, end)
    store.commit_frames(frames, ledger)
    rows = ", ".join(f"{t} {f.num_rows:,}" for t, f in frames.items())
    return f"demo ({scale}, seed {seed}) loaded into {store.uri}: {len(ledger)} uploads; {rows}"


def sample_extract(scale: str = "small", seed: int = 7, end: dt.date | None = None) -> bytes:
    """One project manager's filled weekly workbook for the week `end` (for trying uploads)."""
    from epmo.templates import filled_workbook

    frames, ledger = build(scale, seed, end)
    week = max(r["as_of_date"] for r in ledger)  # type: ignore[type-var]
    pick = next(
        r
        for r in ledger
        if r["as_of_date"] == week and r["note"] == "demo" and "projects" in str(r["tables"])
    )
    tables: dict[str, list[dict[str, object]]] = {}
    for name, frame in frames.items():
        rows = frame.filter(pa.compute.equal(frame["upload_id"], pick["upload_id"])).to_pylist()
        if rows:
            tables[name] = [
                {k: v for k, v in r.items() if k not in ("upload_id", "source_row")} for r in rows
            ]
    return filled_workbook(tables)
