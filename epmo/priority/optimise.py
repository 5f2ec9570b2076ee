"""Portfolio selection as an exact 0-1 MILP (scipy.optimize.milp, HiGHS, zero MIP gap), or,
when there is a budget and no capacity row, the exact dynamic programme over the budget
that the efficient frontier uses (epmo.frontier_dp; the same best total score, and the
cheapest such selection, proven; at equal score and cost not necessarily the fewest
projects).

    maximise   sum_i score_i x_i                    x_i in {0, 1}, one per candidate
    subject to sum_i cost_i x_i <= budget           (cost basis: budget_bac or remaining)
               sum_i demand_{i,r,p} x_i <= capacity_{r,p}   per role r and month p (optional)
               x_A <= x_B                           A depends on B (if A is chosen, B is)
               x_i = 1  mandatory and forced-in;    x_i = 0  forced-out

Unscored projects count 0 in the objective. Among selections with the best total score a
second solve picks the cheapest (then the fewest projects), and chosen projects scoring
<= 0 that nothing forces in are left out, so a project scoring <= 0 is only chosen when
something forces it (mandatory, forced in, or a dependency of a chosen project that pays
for it).

Infeasibility is diagnosed exactly before solving: every cost and demand is >= 0, so the
smallest feasible selection is the required set (mandatory + forced in) closed under
dependencies; the problem is feasible iff that set meets every constraint.
"""

from __future__ import annotations

import atexit
import dataclasses
import json
import os
import select
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_array

from epmo import childproc
from epmo.frontier_levels import OPTIMAL, Levels, frame
from epmo.settings import current


@contextmanager
def native_output_to_stderr() -> Iterator[None]:
    """Send what the native solver prints to file descriptor 1 to stderr instead.

    HiGHS occasionally prints progress lines straight to fd 1; on the command line stdout
    carries data (CSV), so the CLI paths solve inside this. Not for threaded servers.
    """
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        os.dup2(2, 1)
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


class Infeasible(Exception):
    """The constraints cannot all be met; the message says which and by how much."""


@dataclass
class Problem:
    ids: list[str]
    score: np.ndarray  # nan = unscored (counts 0)
    cost: np.ndarray  # >= 0
    budget: float | None = None  # None: no budget constraint
    mandatory: set[str] = field(default_factory=set)
    force_in: set[str] = field(default_factory=set)
    force_out: set[str] = field(default_factory=set)
    dependencies: list[tuple[str, str]] = field(default_factory=list)  # (A, B): A depends on B
    # capacity rows: (role, period label) -> (demand vector over ids, capacity hours)
    capacity: dict[tuple[str, str], tuple[np.ndarray, float]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.score = np.asarray(self.score, dtype=float)
        self.cost = np.asarray(self.cost, dtype=float)
        if len(set(self.ids)) != len(self.ids):
            raise ValueError("project ids must be unique")
        if self.score.shape != (len(self.ids),) or self.cost.shape != (len(self.ids),):
            raise ValueError("score and cost need one value per project")
        if np.any(np.isnan(self.cost)) or np.any(self.cost < 0):
            raise ValueError("costs must be known and >= 0")
        known = set(self.ids)
        for what, group in (("forced in", self.force_in), ("forced out", self.force_out)):
            unknown = sorted(group - known)
            if unknown:
                raise ValueError(
                    f"{what}: {', '.join(unknown)} not among the candidate projects "
                    "(unknown, finished, cancelled or filtered out)"
                )

    @property
    def index(self) -> dict[str, int]:
        return {p: i for i, p in enumerate(self.ids)}

    @property
    def objective(self) -> np.ndarray:
        return np.nan_to_num(self.score, nan=0.0)

    def required_closure(self) -> tuple[set[str], dict[str, str]]:
        """The required projects (mandatory + forced in) and all they depend on, with why."""
        why: dict[str, str] = {}
        for p in sorted(self.mandatory & set(self.ids)):
            why[p] = "mandatory"
        for p in sorted(self.force_in):
            why.setdefault(p, "forced in")
        needs: dict[str, list[str]] = {}
        for a, b in self.dependencies:
            needs.setdefault(a, []).append(b)
        stack = list(why)
        while stack:
            a = stack.pop()
            for b in needs.get(a, []):
                if b not in why:
                    why[b] = f"needed by {a}"
                    stack.append(b)
        return set(why), why


@dataclass
class Selection:
    chosen: list[str]
    total_score: float
    total_cost: float
    constraints: pd.DataFrame  # constraint, kind, used, limit, slack, slack_pct, is_binding, detail
    required: dict[str, str]  # project -> why it had to be in
    is_optimal: bool = True  # False: the solver's time limit stopped it (best found so far)
    method: str = "milp"  # "milp" (HiGHS) or "dp" (the budget's dynamic programme, as the frontier)


def diagnose(problem: Problem) -> None:
    """Raise Infeasible naming the failing constraint, or return when a selection exists."""
    clash = sorted(problem.force_in & problem.force_out)
    if clash:
        raise Infeasible(f"{', '.join(clash)} cannot be both forced in and forced out")
    mand_out = sorted(problem.mandatory & problem.force_out)
    if mand_out:
        raise Infeasible(f"{', '.join(mand_out)} is mandatory and cannot be forced out")
    required, why = problem.required_closure()
    blocked = sorted(required & problem.force_out)
    if blocked:
        p = blocked[0]
        raise Infeasible(f"{p} is forced out but is {why[p]} (dependency); drop one of the two")
    idx = problem.index
    sel = np.zeros(len(problem.ids), dtype=bool)
    sel[[idx[p] for p in required]] = True
    cost = float(problem.cost[sel].sum())
    if problem.budget is not None and cost > problem.budget * (1 + 1e-9) + 1e-9:
        raise Infeasible(
            f"the mandatory and forced-in projects (with what they depend on: {len(required)} "
            f"projects) alone cost {cost:,.0f}, over the budget {problem.budget:,.0f} by "
            f"{cost - problem.budget:,.0f}"
        )
    for (role, period), (demand, cap) in problem.capacity.items():
        need = float(np.asarray(demand)[sel].sum())
        if need > cap * (1 + 1e-9) + 1e-9:
            raise Infeasible(
                f"the mandatory and forced-in projects alone need {need:,.0f} hours of {role} in "
                f"{period}, over the capacity {cap:,.0f} hours by {need - cap:,.0f}"
            )


def _rows(problem: Problem) -> tuple[list[str], list[str], np.ndarray, np.ndarray]:
    """Inequality rows A x <= ub: names, kinds, A, ub."""
    n = len(problem.ids)
    idx = problem.index
    names: list[str] = []
    kinds: list[str] = []
    rows: list[np.ndarray] = []
    ub: list[float] = []
    if problem.budget is not None:
        names.append("budget")
        kinds.append("budget")
        rows.append(problem.cost)
        ub.append(problem.budget)
    for (role, period), (demand, cap) in problem.capacity.items():  # in the order given (by month)
        names.append(f"Capacity: {role}, {period}")  # read as it is: Capacity: Developer, Nov 2026
        kinds.append("capacity")
        rows.append(np.asarray(demand, dtype=float))
        ub.append(cap)
    for a, b in problem.dependencies:
        r = np.zeros(n)
        r[idx[a]] += 1
        r[idx[b]] -= 1
        names.append(f"{a} depends on {b}")
        kinds.append("dependency")
        rows.append(r)
        ub.append(0.0)
    a_mat = np.vstack(rows) if rows else np.zeros((0, n))
    return names, kinds, a_mat, np.array(ub, dtype=float)


def _milp(
    c: np.ndarray,
    a_mat: np.ndarray,
    ub: np.ndarray,
    lb_x: np.ndarray,
    ub_x: np.ndarray,
    time_limit: float | None = None,
) -> tuple[np.ndarray | None, int]:
    """(x, scipy status): 0 optimal, 1 time limit (x = best found, or None), 2 infeasible."""
    n = c.size
    cons = [LinearConstraint(a_mat, -np.inf, ub)] if a_mat.shape[0] else []
    res = milp(
        c=c,
        integrality=np.ones(n),
        bounds=Bounds(lb_x, ub_x),
        constraints=cons,
        options={
            "mip_rel_gap": 0.0,
            "presolve": True,
            "time_limit": float(current().priority.solver_time_limit_s if time_limit is None else time_limit),
        },
    )
    if res.x is None or res.status not in (0, 1):
        return None, int(res.status)
    return np.round(res.x).astype(bool), int(res.status)


def _drop_unforced_non_positive(problem: Problem, x: np.ndarray, lb_x: np.ndarray) -> np.ndarray:
    """Leave out chosen projects scoring <= 0 that nothing forces in (not required, and no
    chosen project depends on them). Every constraint stays met (costs and demands are >= 0)
    and the total score cannot fall, so an optimal selection stays optimal."""
    x = x.copy()
    idx = problem.index
    obj = problem.objective
    changed = True
    while changed:
        changed = False
        needed = {b for a, b in problem.dependencies if x[idx[a]]}
        for i, pid in enumerate(problem.ids):
            if x[i] and obj[i] <= 0 and lb_x[i] == 0 and pid not in needed:
                x[i] = False
                changed = True
    return x


def _by_programme(problem: Problem) -> np.ndarray | None:
    """The selection by the exact dynamic programme over the budget (epmo.frontier_dp, what
    the efficient frontier uses) when it applies: a budget and no capacity rows, whole
    costs, groups joined by dependencies small enough. It is the cheapest of the selections
    with the best total score, as the MILP's tie-break looks for (and, unlike the
    time-limited tie-break, proves); between two of equal score and equal cost it does not
    prefer the one of fewer projects, as the MILP's blend does. Chosen projects scoring <= 0
    that nothing forces in are left out. None: the MILP solves it (diagnose() has made sure
    the required projects fit the budget)."""
    if problem.budget is None or problem.capacity or not np.isfinite(problem.budget):
        return None
    got = _dp_levels(problem, [float(problem.budget)], [0])
    return None if got is None else got[0][0]


def _cheapest_then_fewest(
    problem: Problem,
    x1: np.ndarray,
    best: float,
    a_mat: np.ndarray,
    ub: np.ndarray,
    lb_x: np.ndarray,
    ub_x: np.ndarray,
) -> np.ndarray:
    """Among the selections with the best total score, the cheapest, and among the cheapest
    the fewest projects: two more MILPs, each within `tie_break_time_limit_s` (the best each
    finds in that time, proven or not; x1 when they find nothing better). One blended
    objective (cost / largest cost + count / (n + 1)) let one project fewer outweigh a
    saving of up to the largest cost / (n + 1)."""
    obj = problem.objective
    limit = min(
        float(current().priority.solver_time_limit_s), float(current().priority.tie_break_time_limit_s)
    )
    tol = 1e-9 * max(1.0, abs(best))
    scale = float(problem.cost.max()) or 1.0
    cost = problem.cost / scale
    a2 = np.vstack([a_mat, -obj]) if a_mat.shape[0] else -obj[None, :]
    ub2 = np.append(ub, -(best - tol))

    def scores(x: np.ndarray | None) -> bool:
        return x is not None and float(obj[x].sum()) >= best - 10 * tol

    x = x1
    cheaper, _ = _milp(cost, a2, ub2, lb_x, ub_x, limit)
    if cheaper is not None and scores(cheaper) and cost[cheaper].sum() <= cost[x].sum():
        x = cheaper
    spent = float(cost[x].sum())
    cost_tol = 1e-9 * max(1.0, spent)
    fewer, _ = _milp(
        np.ones(len(obj)), np.vstack([a2, cost]), np.append(ub2, spent + cost_tol), lb_x, ub_x, limit
    )
    if (
        fewer is not None
        and scores(fewer)
        and cost[fewer].sum() <= spent + 10 * cost_tol
        and fewer.sum() <= x.sum()
    ):
        x = fewer
    return x


def solve(problem: Problem, tie_break: bool = True) -> Selection:
    """The best selection, or Infeasible with the reason. See the module docstring."""
    diagnose(problem)
    n = len(problem.ids)
    required, why = problem.required_closure()
    idx = problem.index
    is_optimal = True
    lb_x = np.zeros(n)
    ub_x = np.ones(n)
    for p in required:
        lb_x[idx[p]] = 1
    for p in problem.force_out:
        ub_x[idx[p]] = 0
    names, kinds, a_mat, ub = _rows(problem)
    obj = problem.objective
    by_programme = _by_programme(problem) if n else None
    if n == 0:
        x = np.zeros(0, dtype=bool)
    elif by_programme is not None:
        x = by_programme
    else:
        x1, status = _milp(-obj, a_mat, ub, lb_x, ub_x)
        if x1 is None and status == 1:
            raise Infeasible(
                f"the solver's time limit ({current().priority.solver_time_limit_s} s) ran out before it "
                "found a selection; raise priority.solver_time_limit_s"
            )
        if x1 is None:
            raise Infeasible("the solver found no selection that meets every constraint")
        is_optimal = status == 0
        x = x1
        best = float(obj[x1].sum())
        if tie_break:
            x = _cheapest_then_fewest(problem, x1, best, a_mat, ub, lb_x, ub_x)
        x = _drop_unforced_non_positive(problem, x, lb_x)
    used = a_mat @ x.astype(float) if a_mat.shape[0] else np.zeros(0)
    tol_pct = current().priority.binding_tolerance_pct
    frame = pd.DataFrame({"constraint": names, "kind": kinds, "used": used, "limit": ub})
    frame["slack"] = frame["limit"] - frame["used"]
    denom = frame["limit"].abs().where(frame["limit"].abs() > 0, 1.0)
    frame["slack_pct"] = 100.0 * frame["slack"] / denom
    dep_rows = iter(problem.dependencies)
    binding: list[bool] = []
    detail: list[str] = []
    for kind, pct, slack in zip(frame["kind"], frame["slack_pct"], frame["slack"], strict=True):
        if kind == "dependency":  # binds when A is chosen (so B has to be)
            a, b = next(dep_rows)
            binding.append(bool(x[idx[a]]))
            detail.append(
                f"{a} is chosen, so {b} is in"
                if x[idx[a]]
                else (f"{a} is not chosen; {b} " + ("is chosen on its own" if x[idx[b]] else "is not chosen"))
            )
        else:
            binding.append(bool(pct <= tol_pct))
            detail.append("no slack left" if binding[-1] else f"{slack:,.0f} left")
    frame["is_binding"] = pd.Series(binding, dtype=bool)
    frame["detail"] = detail
    # x_A - x_B <= 0 has no meaningful amounts: leave them blank
    frame.loc[frame["kind"] == "dependency", ["used", "limit", "slack", "slack_pct"]] = np.nan
    chosen = [p for p, on in zip(problem.ids, x, strict=True) if on]
    return Selection(
        chosen=chosen,
        total_score=float(obj[x].sum()),
        total_cost=float(problem.cost[x].sum()),
        constraints=frame,
        required=why,
        is_optimal=is_optimal,
        method="dp" if by_programme is not None else "milp",
    )


# --------------------------------------------------------------------------- efficient frontier

FRONTIER_COLUMNS = ["budget", "best_total_score", "project_count", "total_cost", "is_feasible"]

# worker processes (epmo.frontier_levels) solving levels right now, across every frontier
# being computed in this server: never more than the machine's cores
_busy = threading.BoundedSemaphore(max(1, os.cpu_count() or 1))
_lock = threading.Lock()
_spare: subprocess.Popen[bytes] | None = None  # one worker started ahead, waiting for a problem


def levels_of(problem: Problem) -> Levels:
    """The problem's MILP with its budget left open (row 0: cost <= the level's budget)."""
    n = len(problem.ids)
    idx = problem.index
    required, _ = problem.required_closure()
    lb_x, ub_x = np.zeros(n), np.ones(n)
    lb_x[[idx[p] for p in required]] = 1
    ub_x[[idx[p] for p in problem.force_out]] = 0
    at_zero = Problem(
        problem.ids, problem.score, problem.cost, 0.0, problem.mandatory, problem.force_in,
        problem.force_out, problem.dependencies, problem.capacity,
    )  # fmt: skip
    _, _, a_mat, ub = _rows(at_zero)
    deps = np.array([[idx[a], idx[b]] for a, b in problem.dependencies], dtype=np.int64).reshape(-1, 2)
    return Levels(
        objective=problem.objective,
        a_mat=csr_array(a_mat),
        ub=ub,
        lb_x=lb_x,
        ub_x=ub_x,
        deps=deps,
        time_limit=float(current().priority.solver_time_limit_s),
    )


def _start_worker() -> subprocess.Popen[bytes]:
    return childproc.start_module("epmo.frontier_levels", keep_stderr=False)


def prestart_worker() -> None:
    """Start a frontier worker ahead (when `priority.frontier_workers` > 1 and
    `frontier_prestart`), so the next frontier does not wait for Python and scipy to start."""
    global _spare
    cfg = current().priority
    if cfg.frontier_workers <= 1 or not cfg.frontier_prestart:
        return
    with _lock:
        if _spare is None or _spare.poll() is not None:
            _spare = _start_worker()


def _take_worker() -> subprocess.Popen[bytes]:
    global _spare
    with _lock:
        proc, _spare = _spare, None
    if proc is not None and proc.poll() is None:
        return proc
    return _start_worker()


@atexit.register
def _stop_spare() -> None:
    global _spare
    with _lock:
        proc, _spare = _spare, None
    if proc is not None:
        proc.kill()
        proc.wait()


class _Worker:
    """One worker process solving levels for one frontier; the problem is written from a
    thread (it can exceed the pipe's buffer while the worker is still starting)."""

    def __init__(self, problem: dict[str, Any]) -> None:
        self.proc = _take_worker()
        self.ready = threading.Event()
        self.alive = True
        self.job: int | None = None
        self.buffer = b""
        self.fd = self.proc.stdout.fileno()  # type: ignore[union-attr]
        os.set_blocking(self.fd, False)
        payload = frame(problem)
        threading.Thread(target=self._send_problem, args=(payload,), daemon=True).start()

    def _send_problem(self, payload: bytes) -> None:
        try:
            self.proc.stdin.write(payload)  # type: ignore[union-attr]
            self.proc.stdin.flush()  # type: ignore[union-attr]
            self.ready.set()
        except (OSError, ValueError):
            self.alive = False

    def send(self, level: int, budget: float) -> bool:
        try:
            self.proc.stdin.write(frame((level, budget)))  # type: ignore[union-attr]
            self.proc.stdin.flush()  # type: ignore[union-attr]
        except (OSError, ValueError):
            self.alive = False
            return False
        self.job = level
        return True

    def replies(self) -> list[dict[str, Any]]:
        """The answers written so far; a worker that died is marked so (its job is lost)."""
        out: list[dict[str, Any]] = []
        while True:
            try:
                chunk = os.read(self.fd, 1 << 16)
            except BlockingIOError:
                break
            except OSError:
                chunk = b""
            if not chunk:
                self.alive = False
                break
            self.buffer += chunk
        *lines, self.buffer = self.buffer.split(b"\n")
        for line in lines:
            try:
                answer = json.loads(line)
                int(answer["level"])
            except (ValueError, KeyError, TypeError):
                self.alive = False  # not an answer of ours: its level is solved elsewhere
                return out
            self.job = None
            if "error" in answer:  # out of memory: it stops, its level is solved elsewhere
                self.alive = False
                self.job = int(answer["level"])
                return out
            out.append(answer)
        return out

    def close(self) -> None:
        self.alive = False
        self.proc.kill()
        self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass


def frontier(
    problem: Problem,
    steps: int,
    progress: Callable[[int, int], None] | None = None,
    reuse: bool = True,
    workers: int | None = None,
    partial: Callable[[pd.DataFrame], None] | None = None,
    exact_dp: bool = True,
) -> pd.DataFrame:
    """Best total score at `steps` budget levels from 0 to the candidates' total cost.

    One MILP per level (all other constraints as in `problem`). A level is infeasible
    (blank score) exactly when the required projects (mandatory, forced in and what they
    depend on) exceed its budget or another constraint (`diagnose`), so those levels are
    decided without solving. The others are solved at the same time by the caller's thread
    (highest budget first) and `workers - 1` worker processes (`priority.frontier_workers`;
    epmo.frontier_levels; lowest first), and each level is final from the top: with
    `reuse`, a level takes the optimum of the level above when its cost fits (every
    portfolio that fits the lower budget fits the higher one, so it is optimal there too),
    else its own solve. The result is therefore the same whatever the number of workers
    and whichever finishes first (a level solved ahead that the level above makes
    unnecessary is dropped). By default workers are used from
    `priority.frontier_workers_min_projects` candidates on; `attrs` of the result say how
    many levels each way decided. `progress(done, steps)` and `partial(rows so far)` are
    called as each level is final; an exception they raise (the user left the page) stops
    the workers at once.

    With `exact_dp` (the default), a problem with no capacity rows whose costs are whole
    units is not given to the MILP at all: one dynamic programme over the budget
    (`epmo.frontier_dp`) gives every level's optimum at once, in a fraction of the
    MILPs' time, and the levels are reported top-down as above (`attrs["method"]` says
    which way: "dp" or "milp"). At a level with several best selections it reports the
    cheapest; the MILP reports whichever it found first.
    """
    if steps < 2:
        raise ValueError("the frontier needs at least 2 steps")
    budgets = np.linspace(0.0, float(problem.cost.sum()), steps)
    obj = problem.objective
    final: dict[int, tuple[float, float, int, float, bool]] = {}
    optimal: dict[int, bool] = {}
    done = 0

    def emit(i: int, row: tuple[float, float, int, float, bool], is_optimal: bool) -> None:
        nonlocal done
        final[i] = row
        optimal[i] = is_optimal
        done += 1
        if partial is not None:
            partial(pd.DataFrame([final[k] for k in sorted(final)], columns=FRONTIER_COLUMNS))
        if progress is not None:
            progress(done, steps)

    try:  # what does not depend on the budget, and the required projects' cost
        diagnose(dataclasses.replace(problem, budget=None))
        required, _ = problem.required_closure()
        need = float(problem.cost[[problem.index[p] for p in required]].sum())
    except Infeasible:
        need = np.inf
    order = [i for i in range(steps - 1, -1, -1) if need <= budgets[i] * (1 + 1e-9) + 1e-9]
    for i in range(steps - 1, -1, -1):
        if i not in order:
            emit(i, (float(budgets[i]), np.nan, 0, np.nan, False), False)
    if not order:
        return pd.DataFrame([final[i] for i in range(steps)], columns=FRONTIER_COLUMNS)

    if exact_dp:
        programme = _dp_levels(problem, [float(budgets[i]) for i in order], order)
        if programme is not None:
            chosen, in_worker = programme
            for i, pick in zip(order, chosen, strict=True):
                emit(
                    i,
                    (
                        float(budgets[i]),
                        float(obj[pick].sum()),
                        int(pick.sum()),
                        float(problem.cost[pick].sum()),
                        True,
                    ),
                    True,
                )
            out = pd.DataFrame([final[i] for i in range(steps)], columns=FRONTIER_COLUMNS)
            out.attrs.update(
                levels_solved_here=0 if in_worker else len(order),
                levels_solved_by_workers=len(order) if in_worker else 0,
                levels_from_the_level_above=0, workers=int(in_worker), method="dp",
            )  # fmt: skip
            return out

    levels = levels_of(problem)
    own: dict[int, tuple[int, np.ndarray | None]] = {}
    inflight: set[int] = set()
    at = 0  # order[at] is the next level to become final

    def row_of(i: int, status: int, x: np.ndarray | None) -> tuple[float, float, int, float, bool]:
        if x is None:
            return (float(budgets[i]), np.nan, 0, np.nan, False)
        return (float(budgets[i]), float(obj[x].sum()), int(x.sum()), float(problem.cost[x].sum()), True)

    def settle() -> None:
        nonlocal at
        while at < len(order):
            i = order[at]
            above = final.get(i + 1)
            if reuse and above is not None and above[4] and optimal[i + 1] and above[3] <= budgets[i] + 1e-9:
                stats["levels_from_the_level_above"] += 1
                emit(i, (float(budgets[i]), *above[1:]), True)
            elif i in own:
                status, x = own.pop(i)
                emit(i, row_of(i, status, x), status == OPTIMAL and x is not None)
            else:
                return
            at += 1

    def next_job(lowest: bool = False) -> int | None:
        """The highest level not solved nor being solved (this thread: the levels become
        final from the top, so the points arrive at its pace); for a worker the lowest
        (its answers are ready when this thread comes down to them, and the levels the one
        above may make unnecessary are near the top)."""
        todo = order[at:][::-1] if lowest else order[at:]
        return next((i for i in todo if i not in own and i not in inflight), None)

    cfg = current().priority
    if workers is None:  # a worker pays off only when a level takes longer than starting it
        workers = cfg.frontier_workers if len(problem.ids) >= cfg.frontier_workers_min_projects else 1
    wanted = max(0, min(workers - 1, len(order) - 1))
    stats = {"levels_solved_here": 0, "levels_solved_by_workers": 0, "levels_from_the_level_above": 0}
    pool: list[_Worker] = []
    here: ThreadPoolExecutor | None = None
    try:
        for _ in range(wanted):
            if not _busy.acquire(blocking=False):
                break  # other frontiers hold every core's worker: this one uses fewer
            try:
                pool.append(_Worker({"levels": levels.to_wire(), "steps": steps}))
            except BaseException:
                _busy.release()
                raise
        # with workers, this process's own solves run on a thread (scipy's HiGHS releases the
        # GIL), so this loop keeps handing the workers levels while one is solved here: solved
        # in the loop, a 0.7 s level left the worker idle once its level was done
        here = ThreadPoolExecutor(1, thread_name_prefix="frontier-level") if pool else None
        solving: tuple[int, Future[tuple[int, np.ndarray | None]]] | None = None
        while at < len(order):
            for w in pool:
                if w.alive and w.job is None and w.ready.is_set():
                    j = next_job(lowest=True)
                    if j is None:
                        break
                    if w.send(j, float(budgets[j])):
                        inflight.add(j)
            j = next_job() if solving is None else None
            if j is not None and here is None:
                inflight.add(j)
                own[j] = levels.solve(float(budgets[j]))
                stats["levels_solved_here"] += 1
                inflight.discard(j)
            else:
                if j is not None and here is not None:
                    inflight.add(j)
                    solving = (j, here.submit(levels.solve, float(budgets[j])))
                waiting = [w.fd for w in pool if w.alive and w.job is not None]
                starting = any(w.alive and not w.ready.is_set() for w in pool)
                if (
                    solving is not None
                ):  # a worker's answer wakes the loop at once, this thread's within 10 ms
                    select.select(waiting, [], [], 0.01)
                    if solving[1].done():
                        level, done_here = solving
                        solving = None
                        own[level] = done_here.result()
                        stats["levels_solved_here"] += 1
                        inflight.discard(level)
                elif waiting:
                    select.select(waiting, [], [], 1.0)
                elif not starting:
                    raise RuntimeError("frontier: no level left to solve and none being solved")
                else:
                    time.sleep(0.01)
            for w in pool:
                if not w.alive:
                    continue
                for answer in w.replies():
                    level = int(answer["level"])
                    inflight.discard(level)
                    x = None
                    if answer["x"] is not None:
                        x = np.zeros(len(problem.ids), dtype=bool)
                        x[answer["x"]] = True
                    own.setdefault(level, (int(answer["status"]), x))
                    stats["levels_solved_by_workers"] += 1
                if not w.alive and w.job is not None:  # it died: its level is solved here
                    inflight.discard(w.job)
                    w.job = None
            settle()
    finally:
        if here is not None:  # a level being solved here when the user left ends on its own
            here.shutdown(wait=False, cancel_futures=True)
        for w in pool:  # the next spare is started by the page's next run (prestart_worker)
            w.close()
            _busy.release()
    out = pd.DataFrame([final[i] for i in range(steps)], columns=FRONTIER_COLUMNS)
    # how the levels were decided (benchmark, tests)
    out.attrs.update(stats, workers=len(pool), method="milp")
    return out


def _dp_levels(
    problem: Problem, budgets: list[float], levels: list[int]
) -> tuple[list[np.ndarray], bool] | None:
    """The chosen projects at each budget by the dynamic programme (epmo.frontier_dp), and
    whether a worker process worked them out (a table too big for this process; at most as
    many workers as cores across the server). None when the programme does not apply, no
    worker is free or the worker failed: the MILP solves the levels then. Every budget
    covers the required projects (the caller decided the others without solving)."""
    from epmo import frontier_dp

    n = len(problem.ids)
    idx = problem.index
    required_ids, _ = problem.required_closure()
    required = np.zeros(n, dtype=bool)
    required[[idx[p] for p in required_ids]] = True
    blocked = np.zeros(n, dtype=bool)
    blocked[[idx[p] for p in problem.force_out]] = True
    deps = [(idx[a], idx[b]) for a, b in problem.dependencies]
    changed = True
    while changed:  # what depends on a forced-out project is out too
        changed = False
        for a, b in deps:
            if blocked[b] and not blocked[a]:
                blocked[a] = changed = True
    if (required & blocked).any():
        return None  # diagnose() explains it; the caller made every level infeasible already
    shape = frontier_dp.plan(problem.cost, max(budgets), required, blocked, deps, bool(problem.capacity))
    if shape is None:
        return None
    if shape.local:
        chosen = frontier_dp.solve_levels(shape, problem.objective, budgets)
    else:
        job = {
            "cost": problem.cost, "objective": problem.objective, "required": required, "blocked": blocked,
            "deps": deps, "budgets": budgets, "levels": levels,
            "cpu_s": len(budgets) * float(current().priority.solver_time_limit_s) + 10,
        }  # fmt: skip
        got = _dp_in_worker(job, n)
        if got is None:
            return None
        chosen = [got[i] for i in levels]
    lb_x = required.astype(float)
    dropper = Levels(
        problem.objective, np.zeros((0, n)), np.zeros(0), lb_x, 1.0 - blocked,
        np.array(deps, dtype=np.int64).reshape(-1, 2), 0.0,
    )  # fmt: skip
    return [dropper.drop_unforced_non_positive(x) for x in chosen], not shape.local


def _dp_in_worker(job: dict[str, Any], n: int) -> dict[int, np.ndarray] | None:
    """The programme's levels from a worker process, or None (no worker free, or it died:
    out of memory or CPU time under its rlimits)."""
    if current().priority.frontier_workers <= 1 or not _busy.acquire(blocking=False):
        return None
    got: dict[int, np.ndarray] = {}
    try:
        w = _Worker({"dp": job})
        try:
            while len(got) < len(job["levels"]) and w.alive:
                select.select([w.fd], [], [], 1.0)
                for answer in w.replies():
                    chosen = np.zeros(n, dtype=bool)
                    chosen[answer["x"]] = True
                    got[int(answer["level"])] = chosen
        finally:
            w.close()
    finally:
        _busy.release()
    return got if len(got) == len(job["levels"]) else None
