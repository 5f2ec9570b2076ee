"""The audit trail: every change to the store says who made it, when, from where and what.

Rows are appended to the store's `audit` Delta table (store.AUDIT_SCHEMA) by the store's own
write methods (an upload's commit, a retraction, every saved document: models, scenarios,
decks, decisions, mappings), by maintenance and repair, and by access changes
(epmo/access.py). Who is the acting identity: the app and the command line set it for the
duration of a request (`acting`); code that sets none (a library caller, a test) is recorded
under the email it passed, from "library".
"""

from __future__ import annotations

import contextlib
import contextvars
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from epmo import clock

if TYPE_CHECKING:
    from epmo.store import Store


@dataclass(frozen=True)
class Actor:
    """Who acts, as the audit records it (an access.Identity is one)."""

    email: str
    role: str | None
    via: str  # "app", "cli" or "library"


_ACTOR: contextvars.ContextVar[Actor | None] = contextvars.ContextVar("epmo_actor", default=None)


def current() -> Actor | None:
    return _ACTOR.get()


def set_actor(actor: Actor | None) -> None:
    """Make `actor` the acting identity of this thread's context (the app, once per run)."""
    _ACTOR.set(actor)


@contextlib.contextmanager
def acting(actor: Actor | None) -> Iterator[None]:
    token = _ACTOR.set(actor)
    try:
        yield
    finally:
        _ACTOR.reset(token)


def rows(action: str, targets: list[tuple[str, dict[str, Any]]], fallback_email: str = "") -> pa.Table:
    """Audit rows for `action` on each (target, detail), by the acting identity."""
    from epmo.store import AUDIT_SCHEMA

    actor = current()
    email = actor.email if actor else fallback_email
    role = (actor.role or "") if actor else ""
    via = actor.via if actor else "library"
    stamp = clock.now()
    return pa.Table.from_pylist(
        [
            {
                "event_at": stamp,
                "actor": email,
                "role": role,
                "via": via,
                "action": action,
                "target": target,
                "detail": json.dumps(detail, sort_keys=True, default=str),
            }
            for target, detail in targets
        ],
        schema=AUDIT_SCHEMA,
    )


def record(
    store: Store, action: str, target: str, detail: dict[str, Any] | None = None, fallback_email: str = ""
) -> None:
    """Append one audit row (after the change itself committed)."""
    store.append_audit(rows(action, [(target, detail or {})], fallback_email))
