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


_SPRINTS: dict[tuple[int, int], str | None] = {}


def _sprints(first: int, last: int) -> str | None:
    key = (first, last)
    if key not in _SPRINTS:
        _SPRINTS[key] = "; ".join(f"Sprint {k}" for k in range(max(first, 1), last + 1)) or None
    return _SPRINTS[key]


def _dates(days: np.ndarray, mask: np.ndarray | None = None) -> list[object]:
    out: list[object] = (np.datetime64("2000-01-01", "D") + days.astype("timedelta64[D]")).tolist()
    if mask is not None:
        out = [d if m else None for d, m in zip(out, mask.tolist(), strict=True)]
    return out


def snapshot(b: Backlog, pid: str, week: dt.date) -> dict[str, list[object]]:
    """The backlog as exported on `week` (work_items columns, without upload_id)."""
    w = _days(week)
    keep = np.flatnonzero(b.created <= w)
    st, dn = b.started[keep], b.done[keep]
    is_done = dn <= w
    is_started = st <= w
    in_review = w >= st + 0.7 * (dn - st)
    status = np.where(
        is_done,
        "Done",
        np.where(
            is_started,
            np.where(
                b.blocked[keep] & ~in_review, "Blocked", np.where(in_review, "In Review", "In Progress")
            ),
            "To Do",
        ),
    )
    category = np.where(is_done, "Done", np.where(is_started, "In Progress", "To Do"))
    first = (st - b.sprint0) // 14 + 1
    last = (np.minimum(dn, w) - b.sprint0) // 14 + 1
    idx = keep.tolist()
    types = [b.types[i] for i in idx]
    return {
        "project_id": [pid] * len(idx),
        "item_key": [b.keys[i] for i in idx],
        "item_type": types,
        "title": [b.titles[i] for i in idx],
        "parent_key": [b.parents[i] for i in idx],
        "team": [b.teams[i] for i in idx],
        "status": status.tolist(),
        "status_category": category.tolist(),
        "created_date": _dates(b.created[keep]),
        "started_date": _dates(st, is_started),
        "done_date": _dates(dn, is_done),
        "story_points": [
            None if t == "Epic" else float(p) for t, p in zip(types, b.points[keep].tolist(), strict=True)
        ],
        "sprints": [
            _sprints(int(f), int(la)) if s else None
            for f, la, s in zip(first.tolist(), last.tolist(), is_started.tolist(), strict=True)
        ],
    }
