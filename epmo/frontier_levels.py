"""One budget level of the efficient frontier, and the worker process that solves levels.

The frontier (`epmo.priority.optimise.frontier`) solves one exact MILP per budget level.
The levels are independent problems, so they are solved at the same time: the caller's
thread solves some and `priority.frontier_workers - 1` worker processes solve others.
This module is what both run: `Levels.solve(budget)`, the portfolio MILP of
`epmo.priority.optimise` at one budget (HiGHS, zero gap, no tie-break solve; chosen
projects scoring <= 0 that nothing forces in are left out, as `optimise.solve` does).

A worker also works out the dynamic programme of `epmo.frontier_dp` (every level at
once) when its table is too big for the page's process: the problem is then
{"dp": ...} and the answers come all at the end, one line per level.

It imports only numpy and scipy so that a worker, `python -m epmo.frontier_levels`
(never forked from the server: forking a process that runs Streamlit's threads is
unsafe), starts in a fraction of a second; `epmo.priority` itself imports pandas, DuckDB
and the store. Before it solves anything the worker limits itself with `setrlimit`:
address space (what it maps after its imports + `WORKER_MEMORY_MB`), CPU time (levels x
the solver's time limit + 10 s, set once it knows the problem), no core dumps, no file
writes. It reads length-prefixed pickles from stdin (the problem, then one (level, budget)
job at a time; parent -> child only) and answers each job with one JSON line (level,
status, chosen indices): nothing it returns is unpickled. It exits at the end of stdin,
so a server that stops or dies takes its workers with it; the parent kills a worker it no
longer needs (the user left the page) at once.
"""

from __future__ import annotations

import json
import os
import pickle
import struct
import sys
import warnings
from dataclasses import dataclass
from typing import Any, BinaryIO

import numpy as np

from epmo import childproc

WORKER_MEMORY_MB = 1024
_LEN = struct.Struct(">I")

OPTIMAL, TIME_LIMIT, NO_SELECTION = 0, 1, 2


@dataclass(frozen=True)
class Levels:
    """The portfolio MILP without its budget: row 0 of `a_mat` is the cost row whose upper
    bound is the level's budget; the other rows (capacity, dependencies) keep `ub`."""

    objective: np.ndarray  # score, unscored = 0
    a_mat: np.ndarray  # cost row, capacity rows, dependency rows (x_A - x_B <= 0)
    ub: np.ndarray  # row upper bounds (ub[0] is replaced by the budget)
    lb_x: np.ndarray  # 1 for the required projects (mandatory, forced in, their dependencies)
    ub_x: np.ndarray  # 0 for the forced-out projects
    deps: np.ndarray  # (k, 2) indices: column 0 depends on column 1
    time_limit: float

    def to_wire(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> Levels:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__})

    def solve(self, budget: float) -> tuple[int, np.ndarray | None]:
        """(status, chosen as a bool vector): OPTIMAL, TIME_LIMIT (best found, not proven;
        None when none was found) or NO_SELECTION (None)."""
        from scipy.optimize import Bounds, LinearConstraint, milp

        n = self.objective.size
        if n == 0:
            return OPTIMAL, np.zeros(0, dtype=bool)
        ub = self.ub.copy()
        ub[0] = budget
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # HiGHS' own notes; the status says what matters
            res = milp(
                c=-self.objective,
                integrality=np.ones(n),
                bounds=Bounds(self.lb_x, self.ub_x),
                constraints=[LinearConstraint(self.a_mat, -np.inf, ub)],
                options={"mip_rel_gap": 0.0, "presolve": True, "time_limit": float(self.time_limit)},
            )
        if res.x is None or res.status not in (0, 1):
            return (TIME_LIMIT if res.status == 1 else NO_SELECTION), None
        x = np.round(res.x).astype(bool)
        return (OPTIMAL if res.status == 0 else TIME_LIMIT), self.drop_unforced_non_positive(x)

    def drop_unforced_non_positive(self, x: np.ndarray) -> np.ndarray:
        """Leave out chosen projects scoring <= 0 that nothing forces in (not required, and
        no chosen project depends on them); see `optimise._drop_unforced_non_positive`."""
        x = x.copy()
        free = (self.objective <= 0) & (self.lb_x == 0)
        while True:
            needed = np.zeros(x.size, dtype=bool)
            if len(self.deps):
                needed[self.deps[x[self.deps[:, 0]], 1]] = True
            drop = x & free & ~needed
            if not drop.any():
                return x
            x &= ~drop


# --------------------------------------------------------------------------- worker side


def _read_frame(stream: BinaryIO) -> bytes | None:
    head = stream.read(_LEN.size)
    if len(head) < _LEN.size:
        return None
    (size,) = _LEN.unpack(head)
    body = stream.read(size)
    return body if len(body) == size else None


def frame(obj: Any) -> bytes:
    body = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    return _LEN.pack(len(body)) + body


_limit_self = childproc.limit_self


def main() -> None:
    sys.dont_write_bytecode = True
    reply = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # HiGHS prints to fd 1 now and then: never into the replies
    from scipy.optimize import milp  # noqa: F401  (imported before the job arrives)

    stdin = sys.stdin.buffer
    raw = _read_frame(stdin)
    if raw is None:
        return  # a spare the server no longer needs
    problem = pickle.loads(raw)
    if "dp" in problem:
        _programme(problem["dp"], reply)
        return
    levels = Levels.from_wire(problem["levels"])
    _limit_self(WORKER_MEMORY_MB, int(problem["steps"]) * float(levels.time_limit) + 10)
    while (raw := _read_frame(stdin)) is not None:
        level, budget = pickle.loads(raw)
        try:
            status, x = levels.solve(float(budget))
            answer = {
                "level": level,
                "status": status,
                "x": None if x is None else np.flatnonzero(x).tolist(),
            }
        except MemoryError:
            answer = {"level": level, "error": "memory"}
        reply.write(json.dumps(answer).encode() + b"\n")
        reply.flush()


def _programme(job: dict[str, Any], reply: BinaryIO) -> None:
    """Every level of a frontier by the dynamic programme (epmo.frontier_dp): one answer
    line per level, in the order given, once the table is worked out."""
    from epmo import frontier_dp

    _limit_self(WORKER_MEMORY_MB, float(job["cpu_s"]))
    try:
        shape = frontier_dp.plan(
            job["cost"], max(job["budgets"]), job["required"], job["blocked"], job["deps"], False
        )
        if shape is None:
            raise ValueError("no programme")  # the parent planned the same: not reached
        chosen = frontier_dp.solve_levels(shape, job["objective"], job["budgets"])
    except (MemoryError, ValueError):
        reply.write(json.dumps({"level": int(job["levels"][0]), "error": "memory"}).encode() + b"\n")
        reply.flush()
        return
    for level, x in zip(job["levels"], chosen, strict=True):
        answer = {"level": int(level), "status": OPTIMAL, "x": np.flatnonzero(x).tolist()}
        reply.write(json.dumps(answer).encode() + b"\n")
    reply.flush()


if __name__ == "__main__":
    main()
