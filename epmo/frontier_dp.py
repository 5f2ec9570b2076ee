"""Every level of the efficient frontier from one exact dynamic programme (no MILP).

When the portfolio problem has a budget and no capacity rows, and its costs are whole
numbers of some unit (BAC in whole currency units: the demo's are multiples of 1,000), it
is a 0-1 knapsack with precedence constraints, and one pass of the classic dynamic
programme over the budget in that unit gives the best total score at *every* budget up to
the candidates' total cost at once:

    best[c] = the highest total score of a selection costing at most c units

The required projects (mandatory, forced in, what they depend on) are in at every level
and their cost is taken off each level's budget; forced-out projects and everything that
depends on them are out. The other projects are split into the groups that dependencies
join (`A depends on B`, either way): a project with no dependency is an item taken or not;
a group is one choice among its *closed* subsets (a subset holding every project its
members depend on), the empty one included (a multiple-choice knapsack step). Groups of
more than `MAX_GROUP` projects, or a table too big for `MAX_CELLS` cell updates or
`MAX_BYTES` of memory, are left to the MILP (`plan` returns None); a table within
`LOCAL_CELLS` and `LOCAL_BYTES` (the medium demo: 0.07 s) is worked out in the page's
process, a bigger one (the large demo: about 2.5 s of CPU and 310 MB) in a worker process
(`epmo.frontier_levels`, under its rlimits).

The answer is exact (integer costs; scores are summed in floating point as the MILP's
are): at each level the selection is the *cheapest* with the best total score (within
1e-9 of it, relative), recovered from the stored choices. Then, as `optimise.solve`
does, chosen projects scoring <= 0 that nothing forces in are left out.

Only numpy (a worker imports it without pandas): no solver, no time limit to hit. The
work and memory it takes are known before it allocates anything (`plan`), which is what
decides between this and the MILP, and where it runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

MAX_GROUP = 16  # projects joined by dependencies: 2**16 subsets are checked once
MAX_OPTIONS = 4096  # closed subsets of one group
# The table's size decides where it is worked out: cells are (project or group option) x
# budget units updated (about 2 ns each), bytes what the choices and the table hold.
LOCAL_CELLS = 400_000_000  # in the page's process: under about a second
LOCAL_BYTES = 64 * 2**20
MAX_CELLS = 8_000_000_000  # in a worker process (epmo.frontier_levels, rlimited); above: the MILP
MAX_BYTES = 640 * 2**20
_SCALES = (1, 100)  # costs in whole units, else in hundredths (cents)


@dataclass(frozen=True)
class Plan:
    """The programme's shape, known before anything large is allocated."""

    scale: int  # costs times this are whole numbers (1, or 100: cents)
    unit: int  # their greatest common divisor: one budget unit is unit / scale
    units: np.ndarray  # each project's cost in units (int64)
    required: np.ndarray  # bool: in at every level
    singles: list[int]  # free projects with no dependency among the free ones
    groups: list[tuple[list[int], np.ndarray]]  # (members, closed subsets as (k, len) bool)
    top: int  # the highest budget in units, after the required cost
    cells: int  # table cells worked out at most
    bytes: int  # memory the table and the stored choices take at most

    @property
    def local(self) -> bool:
        """Small enough for the page's own process (else a worker process works it out)."""
        return self.cells <= LOCAL_CELLS and self.bytes <= LOCAL_BYTES


def _closed_subsets(members: list[int], edges: list[tuple[int, int]]) -> np.ndarray | None:
    """Every subset of `members` holding what its members depend on, as rows of bools."""
    k = len(members)
    if k > MAX_GROUP:
        return None
    pos = {m: j for j, m in enumerate(members)}
    masks = np.arange(1 << k, dtype=np.int64)
    ok = np.ones(masks.size, dtype=bool)
    for a, b in edges:
        has_a = (masks >> pos[a]) & 1
        has_b = (masks >> pos[b]) & 1
        ok &= ~((has_a == 1) & (has_b == 0))
    keep = masks[ok]
    if keep.size > MAX_OPTIONS:
        return None
    return ((keep[:, None] >> np.arange(k)) & 1).astype(bool)


def plan(
    cost: np.ndarray,
    top_budget: float,
    required: np.ndarray,
    blocked: np.ndarray,
    deps: list[tuple[int, int]],
    has_capacity: bool,
) -> Plan | None:
    """The programme for these projects, or None when the MILP should solve them instead
    (capacity rows, costs that are not whole units, a group too large, a table too big)."""
    if has_capacity or cost.size == 0:
        return None
    for scale in _SCALES:
        scaled = cost * scale
        whole = np.round(scaled)
        if np.all(np.abs(whole - scaled) <= 1e-9 * np.maximum(1.0, whole)) and whole.max() < 2**52:
            break  # 5.01 x 100 is 501.00000000000006 in binary: 501 cents
    else:
        return None
    ints = whole.astype(np.int64)
    g = int(np.gcd.reduce(ints[ints > 0])) if (ints > 0).any() else 1
    units = ints // g
    free = ~required & ~blocked
    if not np.isfinite(top_budget):
        return None
    top = _units(top_budget, scale, g) - int(units[required].sum())
    if top < 0:
        return None
    # above what every free project costs together nothing changes: a budget of 20 times
    # the portfolio sized the table (and its memory) by the budget
    top = min(top, int(units[free].sum()))
    # groups: projects joined by a dependency between two free projects
    parent = list(range(cost.size))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    edges = [(a, b) for a, b in deps if free[a] and free[b]]
    for a, b in edges:
        parent[find(a)] = find(b)
    members: dict[int, list[int]] = {}
    for i in np.flatnonzero(free):
        members.setdefault(find(int(i)), []).append(int(i))
    singles: list[int] = []
    groups: list[tuple[list[int], np.ndarray]] = []
    by_root: dict[int, list[tuple[int, int]]] = {}
    for a, b in edges:
        by_root.setdefault(find(a), []).append((a, b))
    for root, group in members.items():
        if len(group) == 1:
            singles.append(group[0])
            continue
        subsets = _closed_subsets(group, by_root.get(root, []))
        if subsets is None:
            return None
        groups.append((group, subsets))
    # what solve_levels works out at most: each step up to what the steps so far can cost
    cells, size, reach = 0, 3 * 8 * (top + 1), 0
    for group, subsets in groups:
        reach = min(top, reach + int((subsets @ units[group]).max()))
        cells += (reach + 1) * len(subsets)
        size += 2 * (reach + 1)
    for one in sorted(singles, key=lambda i: int(units[i])):
        reach = min(top, reach + int(units[one]))
        cells += reach + 1
        size += (reach + 1 + 7) // 8
    if cells > MAX_CELLS or size > MAX_BYTES:
        return None
    return Plan(scale, g, units, required, singles, groups, top, cells, size)


def _units(budget: float, scale: int, unit: int) -> int:
    """Whole budget units in `budget` (a budget a hair under a whole number of cents, from
    floating point, counts as that number)."""
    x = budget * scale
    whole = round(x)
    cents = whole if abs(x - whole) <= 1e-9 * max(1.0, abs(x)) else int(np.floor(x))
    return int(cents) // unit


def solve_levels(p: Plan, objective: np.ndarray, budgets: list[float]) -> list[np.ndarray]:
    """The chosen projects (bool vectors, required ones included) at each budget; every
    budget must be at most the plan's top budget and cover the required projects.

    The groups go first, then the projects on their own from the cheapest up: `best` is
    only worked out up to what the steps so far can cost together (`reach`), since above
    it nothing changes, which halves the work."""
    width = p.top + 1
    best = np.zeros(width)  # best[c]: highest score costing at most c units (empty: 0)
    reach = 0  # best[c] for c > reach is best[reach] (not written yet)
    steps: list[tuple[str, Any, int, np.ndarray]] = []  # (kind, what, reach after, choices)
    scratch, spare = np.empty(width), np.empty(width)  # reused: a fresh array is an mmap and page faults
    flags = np.empty(width, dtype=bool)
    for members, subsets in p.groups:
        idx = np.array(members)
        ws = subsets @ p.units[idx]
        vs = subsets @ objective[idx]
        options = [o for o in np.lexsort((-vs, ws)) if subsets[o].any() and ws[o] < width]
        kept: list[int] = []
        for o in options:  # an option no better than a cheaper one is never needed
            if vs[o] > 0 and (not kept or vs[o] > vs[kept[-1]]):
                kept.append(int(o))
        if not kept:
            continue
        after = min(p.top, reach + int(ws[kept].max()))
        best[reach + 1 : after + 1] = best[reach]
        new = spare[: after + 1]
        new[:] = best[: after + 1]
        pick = np.zeros(after + 1, dtype=np.uint16)
        for o in kept:
            w, v = int(ws[o]), float(vs[o])
            cand = np.add(best[: after - w + 1], v, out=scratch[: after - w + 1])
            better = np.greater(cand, new[w:], out=flags[: after - w + 1])
            np.copyto(new[w:], cand, where=better)
            np.copyto(pick[w:], o, where=better)
        best[: after + 1] = new
        reach = after
        steps.append(("group", (idx, subsets), reach, pick))
    for i in sorted(p.singles, key=lambda i: int(p.units[i])):
        w, v = int(p.units[i]), float(objective[i])
        if w > p.top or v <= 0:
            continue
        after = min(p.top, reach + w)
        best[reach + 1 : after + 1] = best[reach]
        cand = np.add(best[: after - w + 1], v, out=scratch[: after - w + 1])
        take = flags[: after + 1]
        take[:w] = False
        np.greater(cand, best[w : after + 1], out=take[w:])
        np.maximum(best[w : after + 1], cand, out=best[w : after + 1])
        reach = after
        steps.append(("single", i, reach, np.packbits(take)))
    best[reach + 1 :] = best[reach]
    need = int(p.units[p.required].sum())
    out: list[np.ndarray] = []
    for budget in budgets:
        cap = min(_units(budget, p.scale, p.unit) - need, p.top)
        x = p.required.copy()
        if cap >= 0:
            top = float(best[cap])
            tol = 1e-9 * max(1.0, abs(top))
            c = int(np.argmax(best[: cap + 1] >= top - tol))  # the cheapest with the best score
            for kind, what, at, choices in reversed(steps):
                c = min(c, at)  # above its reach a step chose as at its reach
                if kind == "group":
                    o = int(choices[c])
                    if o:
                        idx, subsets = what
                        x[idx[subsets[o]]] = True
                        c -= int(p.units[idx[subsets[o]]].sum())
                elif (choices[c >> 3] >> (7 - (c & 7))) & 1:
                    x[what] = True
                    c -= int(p.units[what])
        out.append(x)
    return out
