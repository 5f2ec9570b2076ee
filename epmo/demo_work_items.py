"""The demo's agile work items: each Agile or Hybrid project's backlog, week by week.

A project gets its items once (its own seeded stream, so the rest of the demo is
unchanged): an initial backlog and arrivals over the first 70 % of the project, epics as
parents, starts spread over the delivery period at a pace set by the project's health
profile (a troubled project finishes late), lognormal cycle times, a few items blocked for
weeks, two-week sprints (an item open across sprints is carried over: "Sprint 4; Sprint 5").
A weekly snapshot shows what was known that week: dates after it are blank.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

SPEED = {"healthy": 0.95, "slipping": 1.15, "troubled": 1.4, "recovering": 1.1}
TEAMS = ["Payments squad", "Data squad", "Platform squad", "Mobile squad", "Identity squad", "Core squad"]
VERBS = ["Add", "Fix", "Migrate", "Validate", "Report", "Automate", "Refactor", "Expose", "Remove", "Tune"]
NOUNS = [
    "pay slip totals",
    "login flow",
    "supplier import",
    "audit trail",
    "claims search",
    "billing export",
    "address lookup",
    "consent banner",
    "batch scheduler",
    "dashboard filters",
    "refund API",
    "error messages",
]
DAY0 = dt.date(2000, 1, 1)


@dataclass
class Backlog:
    keys: list[str]
    types: list[str]
    titles: list[str]
    parents: list[str | None]
    teams: list[str]
    points: np.ndarray
    created: np.ndarray  # day numbers since DAY0
    started: np.ndarray
    done: np.ndarray
    blocked: np.ndarray  # bool
    sprint0: int  # day number of the first sprint's start


def _days(d: dt.date) -> int:
    return (d - DAY0).days


def make_backlog(pid: str, start: dt.date, weeks: int, profile: str, seed: int) -> Backlog:
    rng = np.random.default_rng([seed, int(pid.split("-")[-1]), 16])
    prefix = "".join(ch for ch in pid if ch.isalpha())[:3].upper() + pid.split("-")[-1][-3:]
    n = int(min(max(weeks * 1.1, 20), 80))
    s0 = _days(start) + 14
    span = max(weeks * 7 - 21, 35)
    created = np.where(
        rng.random(n) < 0.55,
        s0 - rng.integers(0, 14, n),
        s0 + (rng.random(n) * 0.7 * span).astype(int),
    )
    order = np.argsort(created, kind="stable")
    created = created[order]
    speed = SPEED.get(profile, 1.0)
    starts = np.sort(s0 + rng.random(n) * span * speed).astype(int)
    started = np.maximum(starts, created)
    cycle = np.clip(np.round(rng.lognormal(np.log(6), 0.6, n)), 1, 45).astype(int)
    blocked = rng.random(n) < 0.05
    cycle = cycle + blocked * rng.integers(20, 40, n)
    done = started + cycle - 1
    n_epics = 3 if n < 40 else 5
    epic_of = rng.integers(0, n_epics, n)
    types = rng.choice(["Story", "Bug", "Task"], size=n, p=[0.7, 0.2, 0.1])
    teams = [TEAMS[int(i)] for i in rng.choice(len(TEAMS), size=2, replace=False)]
    item_team = [teams[int(i)] for i in rng.integers(0, 2, n)]
    keys = [f"{prefix}-{n_epics + i + 1}" for i in range(n)]
    titles = [
        f"{VERBS[int(a)]} {NOUNS[int(b)]}"
        for a, b in zip(rng.integers(0, 10, n), rng.integers(0, 12, n), strict=True)
    ]
    epic_keys = [f"{prefix}-{k + 1}" for k in range(n_epics)]
    epic_done = [int(done[epic_of == k].max()) if (epic_of == k).any() else s0 for k in range(n_epics)]
    epic_started = [int(started[epic_of == k].min()) if (epic_of == k).any() else s0 for k in range(n_epics)]
    return Backlog(
        keys=epic_keys + keys,
        types=["Epic"] * n_epics + [str(t) for t in types],
        titles=[f"Epic: {NOUNS[k % len(NOUNS)]}" for k in range(n_epics)] + titles,
        parents=[None] * n_epics + [epic_keys[int(k)] for k in epic_of],
        teams=[teams[0]] * n_epics + item_team,
        points=np.concatenate([np.zeros(n_epics, int), rng.choice([1, 2, 3, 5, 8], size=n)]),
        created=np.concatenate([np.full(n_epics, s0 - 14), created]),
        started=np.concatenate([np.array(epic_started), started]),
        done=np.concatenate([np.array(epic_done), done]),
        blocked=np.concatenate([np.zeros(n_epics, bool), blocked]),
        sprint0=s0,
    )


def snapshot(b: Backlog, pid: str, week: dt.date) -> dict[str, list[object]]:
    """The backlog as exported on `week` (work_items columns, without upload_id)."""
    w = _days(week)
    keep = np.flatnonzero(b.created <= w)
    is_done = b.done[keep] <= w
    is_started = b.started[keep] <= w
    cols: dict[str, list[object]] = {
        k: []
        for k in (
            "project_id",
            "item_key",
            "item_type",
            "title",
            "parent_key",
            "team",
            "status",
            "status_category",
            "created_date",
            "started_date",
            "done_date",
            "story_points",
            "sprints",
        )
    }
    for j, i in enumerate(keep.tolist()):
        done, started = bool(is_done[j]), bool(is_started[j])
        if done:
            status, category = "Done", "Done"
        elif started:
            category = "In Progress"
            in_review = w >= b.started[i] + 0.7 * (b.done[i] - b.started[i])
            status = (
                "Blocked" if b.blocked[i] and not in_review else "In Review" if in_review else "In Progress"
            )
        else:
            status, category = "To Do", "To Do"
        first = (int(b.started[i]) - b.sprint0) // 14 + 1 if started else None
        last = (min(int(b.done[i]), w) - b.sprint0) // 14 + 1 if started else None
        sprints = (
            "; ".join(f"Sprint {k}" for k in range(max(first or 1, 1), (last or 0) + 1)) if started else ""
        )
        cols["project_id"].append(pid)
        cols["item_key"].append(b.keys[i])
        cols["item_type"].append(b.types[i])
        cols["title"].append(b.titles[i])
        cols["parent_key"].append(b.parents[i])
        cols["team"].append(b.teams[i])
        cols["status"].append(status)
        cols["status_category"].append(category)
        cols["created_date"].append(DAY0 + dt.timedelta(days=int(b.created[i])))
        cols["started_date"].append(DAY0 + dt.timedelta(days=int(b.started[i])) if started else None)
        cols["done_date"].append(DAY0 + dt.timedelta(days=int(b.done[i])) if done else None)
        cols["story_points"].append(float(b.points[i]) if b.types[i] != "Epic" else None)
        cols["sprints"].append(sprints or None)
    return cols
