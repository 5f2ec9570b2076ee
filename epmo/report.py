"""Validation problems and the report a person reads."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

ERROR = "error"
WARNING = "warning"


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA (the column letters a person sees in Excel)."""
    letters = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def column_index(letters: str) -> int:
    """A -> 0, Z -> 25, AA -> 26: column_letter's inverse."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n - 1


@dataclass
class Issue:
    severity: str
    rule: str
    message: str
    file: str = ""
    sheet: str = ""
    table: str = ""
    row: int | None = None
    column: str = ""
    cell: str = ""
    value: str = ""

    def location(self) -> str:
        parts = [p for p in (self.file, f"sheet '{self.sheet}'" if self.sheet else "") if p]
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column '{self.column}'" + (f" ({self.cell})" if self.cell else ""))
        return ", ".join(parts)

    def line(self) -> str:
        value = f" Value: {self.value!r}." if self.value != "" else ""
        return f"[{self.severity.upper()}] {self.location()}: {self.message}{value}"


class RejectedFile(Exception):
    """A file that cannot be read at all; carries the one issue that says why."""

    def __init__(self, issue: Issue):
        super().__init__(issue.message)
        self.issue = issue


def counted(n: int, noun: str) -> str:
    """A count and its noun, in the plural unless it is one: "1 row", "0 rows", "1,250 rows"."""
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


@dataclass
class Report:
    issues: list[Issue] = field(default_factory=list)
    total_errors: int = 0
    total_warnings: int = 0
    row_counts: dict[str, int] = field(default_factory=dict)
    truncated: bool = False

    def add(self, issue: Issue) -> None:
        if issue.severity == ERROR:
            self.total_errors += 1
        else:
            self.total_warnings += 1
        self.issues.append(issue)

    def extend(self, issues: list[Issue]) -> None:
        for issue in issues:
            self.add(issue)

    @property
    def ok(self) -> bool:
        return self.total_errors == 0

    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == ERROR]

    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == WARNING]

    def summary(self) -> str:
        """One line: the verdict, the problems and the rows per table, e.g. "rejected: 1
        error, 2 warnings; projects: 1,250 rows"."""
        tables = ", ".join(f"{t}: {counted(n, 'row')}" for t, n in self.row_counts.items()) or "no tables"
        verdict = "accepted" if self.ok else "rejected"
        problems = f"{counted(self.total_errors, 'error')}, {counted(self.total_warnings, 'warning')}"
        return f"{verdict}: {problems}; {tables}"

    def to_text(self, limit: int | None = None, more: str = "the JSON report has all of them") -> str:
        """The summary and the issues, at most `limit`; `more` says where the rest are."""
        lines = [self.summary()]
        shown = self.issues if limit is None else self.issues[:limit]
        lines += [i.line() for i in shown]
        hidden = len(self.issues) - len(shown)
        if hidden > 0:
            lines.append(f"... and {hidden} more; {more}.")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "errors": self.total_errors,
            "warnings": self.total_warnings,
            "row_counts": self.row_counts,
            "truncated": self.truncated,
            "issues": [asdict(i) for i in self.issues],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, default=str)
