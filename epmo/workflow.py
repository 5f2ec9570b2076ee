"""A team's workflow: its statuses in order, and which of them mean "started" and "done".

Saved in the store like a column mapping (a document of kind 'workflow', every version
kept). The importers use it to put each status in its category (To Do / In Progress /
Done) and to find the date work started and the date it was done from stage dates or a
status history: the first entry into any status at or after `started` in the order is the
start; the first entry into any status at or after `done` is the finish.

    {"name": "payments", "statuses": ["Backlog", "Selected", "In Progress", "Review", "Done"],
     "started": "In Progress", "done": "Done", "project_keys": {"PAY": "PRJ-0042"}}

Statuses not in the list fall back to Jira's Status Category (the importer) or their own
names (a status called "Closed" or "Resolved" is Done, "In Progress" is In Progress); a
status none of these places is refused (import_unknown_status)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from epmo import contract

if TYPE_CHECKING:
    from epmo.access import Identity

KIND = "workflow"
TODO, IN_PROGRESS, DONE = contract.STATUS_CATEGORIES

# status names (normalised) whose category is clear whatever the workflow
_KNOWN = {
    "to do": TODO,
    "todo": TODO,
    "open": TODO,
    "new": TODO,
    "backlog": TODO,
    "ready": TODO,
    "selected for development": TODO,
    "reopened": TODO,
    "in progress": IN_PROGRESS,
    "in development": IN_PROGRESS,
    "in review": IN_PROGRESS,
    "code review": IN_PROGRESS,
    "in test": IN_PROGRESS,
    "testing": IN_PROGRESS,
    "blocked": IN_PROGRESS,
    "doing": IN_PROGRESS,
    "done": DONE,
    "closed": DONE,
    "resolved": DONE,
    "complete": DONE,
    "completed": DONE,
    "released": DONE,
    "cancelled": DONE,
    "won t do": DONE,
}


@dataclass
class Workflow:
    name: str = ""
    statuses: list[str] = field(default_factory=list)  # in workflow order
    started: str = ""  # the first status that counts as started
    done: str = ""  # the first status that counts as done
    project_keys: dict[str, str] = field(default_factory=dict)  # Jira project key -> EPMO project_id
    date_order: str | None = None  # "dmy" or "mdy" for ambiguous numeric dates

    def validate(self) -> list[str]:
        problems = []
        norm = [_norm(s) for s in self.statuses]
        if len(set(norm)) != len(norm):
            problems.append("statuses: a status is listed twice")
        if self.statuses and not self.started:
            problems.append("started: name the first status that counts as started")
        if self.statuses and not self.done:
            problems.append("done: name the first status that counts as done")
        for key in ("started", "done"):
            value = getattr(self, key)
            if value and _norm(value) not in norm:
                problems.append(f"{key}: '{value}' is not one of the statuses")
        if self.started and self.done and _norm(self.started) in norm and _norm(self.done) in norm:
            if norm.index(_norm(self.done)) <= norm.index(_norm(self.started)):
                problems.append("done must come after started in the order of statuses")
        if self.date_order not in (None, "dmy", "mdy"):
            problems.append("date_order must be 'dmy' or 'mdy'")
        for k, v in self.project_keys.items():
            if not str(k).strip() or not str(v).strip():
                problems.append("project_keys: each Jira project key maps to an EPMO project_id")
        return problems

    def rank(self, status: str) -> int | None:
        """The status's position in the workflow, or None when it is not listed."""
        norm = [_norm(s) for s in self.statuses]
        key = _norm(status)
        return norm.index(key) if key in norm else None

    def category(self, status: str) -> str | None:
        """To Do / In Progress / Done, or None when neither the workflow nor the name says."""
        r = self.rank(status)
        if r is not None and self.started and self.done:
            started, done = self.rank(self.started), self.rank(self.done)
            assert started is not None and done is not None
            return DONE if r >= done else IN_PROGRESS if r >= started else TODO
        return _KNOWN.get(_norm(status))

    def is_started(self, status: str) -> bool:
        return self.category(status) in (IN_PROGRESS, DONE)

    def is_done(self, status: str) -> bool:
        return self.category(status) == DONE

    def project_id(self, jira_key: str) -> str | None:
        """The EPMO project id for a Jira item key ('PAY-12' -> the id mapped to 'PAY')."""
        prefix = jira_key.strip().rsplit("-", 1)[0].strip()
        for k, v in self.project_keys.items():
            if k.strip().upper() == prefix.upper():
                return v.strip()
        return None

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Workflow:
        raw = json.loads(text)
        if not isinstance(raw, dict):
            raise ValueError("a workflow is a JSON object")
        unknown = set(raw) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(f"unknown workflow keys: {', '.join(sorted(unknown))}")
        wf = cls(**raw)
        if not isinstance(wf.statuses, list) or not all(isinstance(s, str) for s in wf.statuses):
            raise ValueError("statuses: a list of status names, in workflow order")
        if not isinstance(wf.project_keys, dict):
            raise ValueError("project_keys: an object of Jira project key -> EPMO project_id")
        problems = wf.validate()
        if problems:
            raise ValueError("; ".join(problems))
        return wf


def _norm(text: str) -> str:
    return contract.normalise_header(text)


def save(store: Any, wf: Workflow, identity: Identity) -> None:
    """Save a new version of the workflow (kind 'workflow') in the store's documents, as
    `identity` (an access.Identity allowed to upload)."""
    from epmo import access  # here: the parse child imports this module, not the store's

    problems = wf.validate()
    if problems:
        raise ValueError("; ".join(problems))
    access.save_document(store, identity, KIND, wf.name, wf.to_json())


def load(store: Any, name: str) -> Workflow | None:
    doc = store.document(KIND, name)
    return Workflow.from_json(doc["spec"]) if doc else None


def names(store: Any) -> list[str]:
    return [d["name"] for d in store.documents(KIND)]
