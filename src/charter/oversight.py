"""Human oversight: people pause, resume or stop the assistant, for one operator or for all.

``ControlStore`` keeps one switch per scope (an operator's name, or ``"*"`` for every operator)
in Charter's database, and appends every change to the ``control_events`` history. An
operator's effective state is the stricter of the global switch and its own: stopped beats
paused beats active. ``Controls`` sits in front of a store on the gateway's hot path and
re-reads the switches at most once per ``ttl_s``, so a change made by any process that shares
the database takes effect everywhere within that time.

Pause and stop are for a person to decide how the gateway treats them (refuse new turns; end
running streams too); both are lifted by ``resume``. Database failures raise `AuditError`;
naming an operator that does not exist raises `OperatorError`.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from time import monotonic
from typing import Literal

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select

from charter.audit.db import Conflict, DatabaseStore, utc
from charter.audit.tables import NAME_LIMIT, SET_BY_LIMIT, ControlEventRow, ControlRow, OperatorRow
from charter.operators import OperatorError, unknown_operator

__all__ = ["DEFAULT_OPERATOR", "EVERY_OPERATOR", "Action", "Control", "ControlEvent", "ControlStore", "Controls",
           "State", "effective", "strictest"]

State = Literal["active", "paused", "stopped"]
Action = Literal["pause", "resume", "stop"]
# The scope of the global switch.
EVERY_OPERATOR = "*"
# The gateway's keyless operator: it can be paused although it is never added.
DEFAULT_OPERATOR = "default"
_RANK: dict[str, int] = {"active": 0, "paused": 1, "stopped": 2}
_STATE_OF: dict[Action, State] = {"pause": "paused", "resume": "active", "stop": "stopped"}


class Control(BaseModel):
    """An oversight switch: its state, why, since when, who set it, and its scope (a name or "*").

    A scope that was never switched is active, with no ``since`` or ``set_by``.
    """

    model_config = ConfigDict(frozen=True)

    state: State = "active"
    reason: str = ""
    since: datetime | None = None
    set_by: str | None = None
    scope: str = EVERY_OPERATOR

    @property
    def active(self) -> bool:
        """True when turns may be served."""
        return self.state == "active"


class ControlEvent(BaseModel):
    """One change of a switch, as kept in the history."""

    model_config = ConfigDict(frozen=True)

    id: int
    at: datetime
    scope: str
    action: Action
    reason: str
    set_by: str


def strictest(everyone: Control, own: Control) -> Control:
    """The switch that governs an operator: the stricter of the global one and its own.

    On a tie the global switch is reported, since lifting the operator's own would not change anything.
    """
    return own if _RANK[own.state] > _RANK[everyone.state] else everyone


class ControlStore(DatabaseStore):
    """The oversight switches in Charter's database (default `charter.paths.database_url`).

    ``operator=None`` means the global switch, which applies to every operator. Safe to share
    between threads; close it (or use it as a context manager) when done.
    """

    kind = "control store"

    def pause(self, operator: str | None, reason: str, by: str) -> Control:
        """Pause one operator, or every operator; returns the scope's own new switch."""
        return self._switch(operator, "pause", reason, by)

    def resume(self, operator: str | None, by: str, *, reason: str = "") -> Control:
        """Lift a pause or stop of one scope (the global switch lifts only the global one)."""
        return self._switch(operator, "resume", reason, by)

    def stop(self, operator: str | None, reason: str, by: str) -> Control:
        """Stop one operator, or every operator; returns the scope's own new switch."""
        return self._switch(operator, "stop", reason, by)

    def state(self, operator: str) -> Control:
        """The switch that governs ``operator`` now: the stricter of the global and its own."""
        return effective(self.snapshot(), operator)

    def snapshot(self) -> dict[str, Control]:
        """Every scope's own switch, by scope (``"*"`` for the global one); unswitched scopes are absent."""
        with self._db.reading("the oversight controls") as session:
            return {row.scope: _control(row) for row in session.scalars(select(ControlRow))}

    def history(self, scope: str | None = None, *, limit: int = 50) -> list[ControlEvent]:
        """Up to ``limit`` changes, newest first; only one scope's (a name or "*") when given."""
        if limit < 0:
            raise ValueError(f"limit must be 0 or more, got {limit}")
        stmt = select(ControlEventRow).order_by(ControlEventRow.id.desc()).limit(limit)
        if scope is not None:
            stmt = stmt.where(ControlEventRow.scope == scope)
        with self._db.reading("the oversight history") as session:
            return [ControlEvent.model_validate({"id": row.id, "at": utc(row.at), "scope": row.scope,
                                                 "action": row.action, "reason": row.reason, "set_by": row.set_by})
                    for row in session.scalars(stmt)]


    def _switch(self, operator: str | None, action: Action, reason: str, by: str) -> Control:
        if not by.strip():
            raise OperatorError(f"{action}: say who is acting (by), e.g. 'ann via cli'")
        if len(by) > SET_BY_LIMIT:
            raise OperatorError(f"{action}: 'by' is {len(by)} characters, longer than the {SET_BY_LIMIT} "
                                "the store allows")
        if operator == EVERY_OPERATOR:
            raise OperatorError(f"{action}: {EVERY_OPERATOR!r} is not an operator name; pass no operator "
                                "(None) to switch every operator")
        scope = EVERY_OPERATOR if operator is None else operator
        state = _STATE_OF[action]
        # Two processes switching a scope for the first time at once: the loser's insert clashes
        # with the winner's row, and the second try updates that row instead.
        for attempt in (1, 2):
            now = datetime.now(UTC)
            try:
                with self._db.writing(f"the {action} of {_scope_words(scope)}") as session:
                    row = session.get(ControlRow, scope)
                    # Only operators (and the keyless default) are switched; but a switch left on
                    # an operator removed since may still be lifted.
                    lifting_a_leftover = action == "resume" and row is not None
                    if (operator is not None and operator != DEFAULT_OPERATOR and not lifting_a_leftover
                            and session.get(OperatorRow, operator) is None):
                        names = session.scalars(select(OperatorRow.name).order_by(OperatorRow.name))
                        shown = operator if len(operator) <= NAME_LIMIT else operator[:NAME_LIMIT] + "..."
                        raise unknown_operator(shown, names)
                    if row is None:
                        row = ControlRow(scope=scope)
                        session.add(row)
                    row.state, row.reason, row.set_by, row.since = state, reason, by, now
                    session.add(ControlEventRow(at=now, scope=scope, action=action, reason=reason, set_by=by))
                    session.flush()
                    return _control(row)
            except Conflict:
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover


class Controls:
    """A read-through cache of the switches for the gateway's hot path; thread-safe.

    ``state`` re-reads every switch at most once per ``ttl_s`` seconds (one small query), so a
    change made through any process sharing the database is seen within ``ttl_s`` plus a read.
    Changes made through this object (``pause``, ``resume``, ``stop``) are seen at once. A failed
    read raises `AuditError` and the next call tries again; no stale answer outlives the ttl.
    """

    def __init__(self, store: ControlStore, ttl_s: float = 0.5) -> None:
        if ttl_s < 0:
            raise ValueError(f"ttl_s must be 0 or more, got {ttl_s}")
        self.store = store
        self.ttl_s = ttl_s
        self._lock = threading.Lock()
        self._switches: dict[str, Control] = {}
        self._read_at: float | None = None

    def state(self, operator: str) -> Control:
        """The switch that governs ``operator``, at most ``ttl_s`` old."""
        with self._lock:
            started = monotonic()
            if self._read_at is None or started - self._read_at >= self.ttl_s:
                self._switches = self.store.snapshot()
                self._read_at = started  # measured from before the read: the data is at least this fresh
            switches = self._switches
        return effective(switches, operator)

    def pause(self, operator: str | None, reason: str, by: str) -> Control:
        """`ControlStore.pause`, seen by this cache at once."""
        return self._changed(self.store.pause(operator, reason, by))

    def resume(self, operator: str | None, by: str, *, reason: str = "") -> Control:
        """`ControlStore.resume`, seen by this cache at once."""
        return self._changed(self.store.resume(operator, by, reason=reason))

    def stop(self, operator: str | None, reason: str, by: str) -> Control:
        """`ControlStore.stop`, seen by this cache at once."""
        return self._changed(self.store.stop(operator, reason, by))

    def invalidate(self) -> None:
        """Make the next `state` read the database."""
        with self._lock:
            self._read_at = None

    def close(self) -> None:
        """Close the store behind the cache."""
        self.store.close()

    def _changed(self, control: Control) -> Control:
        self.invalidate()
        return control


def effective(switches: dict[str, Control], operator: str) -> Control:
    """The switch governing ``operator`` given every scope's own switch (as `ControlStore.snapshot`)."""
    own = switches.get(operator) or Control(scope=operator)
    return strictest(switches.get(EVERY_OPERATOR) or Control(), own)


def _control(row: ControlRow) -> Control:
    return Control.model_validate({"state": row.state, "reason": row.reason, "since": utc(row.since),
                                   "set_by": row.set_by, "scope": row.scope})


def _scope_words(scope: str) -> str:
    return "every operator" if scope == EVERY_OPERATOR else f"operator {scope!r}"
