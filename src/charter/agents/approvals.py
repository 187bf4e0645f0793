"""Approvals: tool calls the agent gate held until a person approves or denies them.

When `charter.agents.gate` answers ``confirm``, the call is not run: `ApprovalStore.request`
puts it in the queue (status ``pending``) and the agent gets `result_text` as the tool's
result. A person decides with ``charter approvals approve|deny ID`` or the gateway's
``/v1/admin/approvals`` endpoints; whoever holds the call may `ApprovalStore.wait` for that.

The queue lives in Charter's one database, beside the audit store (table ``approvals``,
migration 0003), so every process sharing the database sees the same queue. A decision is
a single conditional UPDATE: of two people deciding at once exactly one wins, and the other
gets `AlreadyDecided` naming the winner. Database failures raise `charter.audit.AuditError`;
a request that cannot be done (an unknown id, a second decision, a bad field) raises
`ApprovalError`.
"""

from __future__ import annotations

import builtins
import json
import secrets
from datetime import UTC, datetime
from time import monotonic, sleep
from typing import Any, Literal, cast, get_args

from pydantic import BaseModel, ConfigDict
from sqlalchemy import CursorResult, select, update

from charter.audit.db import Conflict, DatabaseStore, utc
from charter.audit.tables import APPROVAL_LIMITS, ApprovalRow
from charter.errors import CharterError

__all__ = ["APPROVAL_ID_PREFIX", "AlreadyDecided", "Approval", "ApprovalError", "ApprovalNotFound",
           "ApprovalStatus", "ApprovalStore", "result_text"]

ApprovalStatus = Literal["pending", "approved", "denied"]
STATUSES: tuple[str, ...] = get_args(ApprovalStatus)
APPROVAL_ID_PREFIX = "apr_"
# 9 random bytes are 12 URL-safe characters (72 bits): short enough to type, too many to guess.
_ID_BYTES = 9
_ID_LENGTH = len(APPROVAL_ID_PREFIX) + 12


class ApprovalError(CharterError):
    """An approval cannot be requested, found or decided; the message says which and why."""


class ApprovalNotFound(ApprovalError, LookupError):
    """No approval has this id (or none visible to the operator asking)."""


class AlreadyDecided(ApprovalError):
    """The approval was decided before; ``approval`` is it, as decided."""

    def __init__(self, message: str, approval: Approval) -> None:
        super().__init__(message)
        self.approval = approval


class Approval(BaseModel):
    """One held tool call and its decision, as stored."""

    model_config = ConfigDict(frozen=True)

    id: str
    created_at: datetime
    operator: str
    tool: str
    arguments: dict[str, Any] | str
    """The call's arguments: a JSON object, or the raw string the model wrote when it was not one."""
    reasons: list[str]
    """Why the gate asked for a person, in its words."""
    conversation_digest: str | None = None
    status: ApprovalStatus = "pending"
    decided_by: str | None = None
    decided_at: datetime | None = None
    note: str = ""

    @property
    def decided(self) -> bool:
        """True once a person approved or denied the call."""
        return self.status != "pending"


def result_text(approval: Approval) -> str:
    """The plain message an agent gets as the tool's result while, or after, a person decides."""
    if approval.status == "pending":
        return (f"pending: waiting for a person to approve the call to {approval.tool} (id {approval.id}); "
                "it has not run")
    said = f": {approval.note}" if approval.note else ""
    return f"{approval.status} by {approval.decided_by}{said}"


class ApprovalStore(DatabaseStore):
    """The approval queue in Charter's database (default `charter.paths.database_url`).

    Opening migrates the schema as `AuditStore` does. Safe to share between threads; close it
    (or use it as a context manager) when done.
    """

    kind = "approval store"

    # ------------------------------------------------------------------ asking

    def request(self, operator: str, tool: str, arguments: dict[str, Any] | str, reasons: builtins.list[str],
                conversation_digest: str | None = None) -> Approval:
        """Hold a tool call for a person: a new ``pending`` approval with a fresh ``apr_`` id."""
        _check_text("operator", operator)
        _check_text("tool", tool)
        stored_arguments = _json_arguments(tool, arguments)
        if not isinstance(reasons, builtins.list) or not all(isinstance(r, str) for r in reasons):
            raise ApprovalError(f"reasons for the call to {tool!r} must be a list of strings, got {reasons!r:.200}")
        if conversation_digest is not None:
            _check_text("conversation_digest", conversation_digest)
        # A clash of two random 72-bit ids is all but impossible; if it happens, a second id will do.
        for attempt in (1, 2):
            row = ApprovalRow(id=APPROVAL_ID_PREFIX + secrets.token_urlsafe(_ID_BYTES), created_at=datetime.now(UTC),
                              operator=operator, tool=tool, arguments=stored_arguments, reasons=list(reasons),
                              conversation_digest=conversation_digest, status="pending", decided_by=None,
                              decided_at=None, note="")
            try:
                with self._db.writing(f"an approval request for {tool!r}") as session:
                    session.add(row)
                    session.flush()
                    return _approval(row)
            except Conflict:
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    # ------------------------------------------------------------------ reading

    def get(self, id: str, *, operator: str | None = None) -> Approval | None:
        """The approval with this id, or None; with ``operator``, only that operator's are visible."""
        if not isinstance(id, str) or len(id) > _ID_LENGTH:
            return None
        stmt = select(ApprovalRow).where(ApprovalRow.id == id)
        if operator is not None:
            stmt = stmt.where(ApprovalRow.operator == operator)
        with self._db.reading(f"approval {id!r}") as session:
            row = session.scalars(stmt).first()
            return None if row is None else _approval(row)

    def pending(self, *, operator: str | None = None, limit: int = 100) -> builtins.list[Approval]:
        """The calls waiting for a person, oldest first (the order to decide them in)."""
        return self._query("pending", operator, limit, oldest_first=True)

    def list(self, *, status: str | None = None, operator: str | None = None,
             limit: int = 100) -> builtins.list[Approval]:
        """Up to ``limit`` approvals, newest first; only one status's or operator's when given."""
        return self._query(status, operator, limit, oldest_first=False)

    # ------------------------------------------------------------------ deciding

    def approve(self, id: str, by: str, note: str = "") -> Approval:
        """Approve a pending call; `AlreadyDecided` if someone decided it first."""
        return self._decide(id, "approved", by, note)

    def deny(self, id: str, by: str, note: str = "") -> Approval:
        """Deny a pending call; `AlreadyDecided` if someone decided it first."""
        return self._decide(id, "denied", by, note)

    def wait(self, id: str, timeout_s: float, poll_s: float = 0.2) -> Approval:
        """The approval once decided, or as it stands (still pending) when ``timeout_s`` has passed.

        Polls the database every ``poll_s`` seconds, so a decision made by any process sharing
        it is seen. `ApprovalNotFound` for an unknown id.
        """
        if timeout_s < 0:
            raise ValueError(f"timeout_s must be 0 or more, got {timeout_s}")
        if poll_s <= 0:
            raise ValueError(f"poll_s must be more than 0, got {poll_s}")
        deadline = monotonic() + timeout_s
        while True:
            approval = self.get(id)
            if approval is None:
                raise ApprovalNotFound(f"no approval {id!r} in {self.url}")
            left = deadline - monotonic()
            if approval.decided or left <= 0:
                return approval
            sleep(min(poll_s, left))

    # ------------------------------------------------------------------ lifetime


    # ------------------------------------------------------------------ internals

    def _query(self, status: str | None, operator: str | None, limit: int, *,
               oldest_first: bool) -> builtins.list[Approval]:
        if limit < 0:
            raise ValueError(f"limit must be 0 or more, got {limit}")
        if status is not None and status not in STATUSES:
            raise ApprovalError(f"unknown approval status {status!r}; use one of: {', '.join(STATUSES)}")
        stmt = select(ApprovalRow)
        if status is not None:
            stmt = stmt.where(ApprovalRow.status == status)
        if operator is not None:
            stmt = stmt.where(ApprovalRow.operator == operator)
        if oldest_first:
            stmt = stmt.order_by(ApprovalRow.created_at, ApprovalRow.id)
        else:
            stmt = stmt.order_by(ApprovalRow.created_at.desc(), ApprovalRow.id.desc())
        with self._db.reading(f"the {status} approvals" if status else "the approvals") as session:
            return [_approval(row) for row in session.scalars(stmt.limit(limit))]

    def _decide(self, id: str, status: ApprovalStatus, by: str, note: str) -> Approval:
        verb = "approve" if status == "approved" else "deny"
        if not isinstance(by, str) or not by.strip():
            raise ApprovalError(f"{verb} {id!r}: say who is deciding (by), e.g. 'ann via cli'")
        _check_text("by", by, limit=APPROVAL_LIMITS["decided_by"])
        if not isinstance(note, str):
            raise ApprovalError(f"{verb} {id!r}: the note must be a string, got {type(note).__name__}")
        if not isinstance(id, str) or len(id) > _ID_LENGTH:
            raise ApprovalNotFound(f"no approval {str(id)[:40]!r} in {self.url}")
        # One conditional UPDATE decides: the database lets exactly one of two racing deciders
        # match the row while it is still pending (SQLite serialises writers; PostgreSQL re-checks
        # the WHERE after the first commits).
        with self._db.writing(f"the decision on approval {id!r}") as session:
            changed = cast(CursorResult[Any], session.execute(
                update(ApprovalRow).where(ApprovalRow.id == id, ApprovalRow.status == "pending")
                .values(status=status, decided_by=by, decided_at=datetime.now(UTC), note=note)
                .execution_options(synchronize_session=False)))
            won = changed.rowcount == 1
            row = session.get(ApprovalRow, id, populate_existing=True)
            current = None if row is None else _approval(row)
        if current is None:
            raise ApprovalNotFound(f"no approval {id!r} in {self.url}")
        if not won:
            raise AlreadyDecided(f"cannot {verb} {id!r}: already {current.status} by {current.decided_by}"
                                 + (f" at {current.decided_at:%Y-%m-%d %H:%M:%S} UTC" if current.decided_at else ""),
                                 current)
        return current


def _check_text(field: str, value: object, *, limit: int | None = None) -> None:
    limit = limit if limit is not None else APPROVAL_LIMITS[field]
    if not isinstance(value, str) or not value:
        raise ApprovalError(f"approval {field} must be a non-empty string, got {value!r:.80}")
    if len(value) > limit:
        raise ApprovalError(f"approval {field} is {len(value)} characters, longer than the {limit} the store allows")


def _json_arguments(tool: str, arguments: object) -> dict[str, Any] | str:
    """The arguments as they will read back: a JSON round trip, so what `request` returns equals what `get` does."""
    if not isinstance(arguments, dict | str):
        raise ApprovalError(f"arguments of the call to {tool!r} must be a JSON object (dict) or the raw string, "
                            f"got {type(arguments).__name__}")
    try:
        text = json.dumps(arguments, allow_nan=False, ensure_ascii=False)
    except (TypeError, ValueError) as exc:
        raise ApprovalError(f"arguments of the call to {tool!r} cannot be stored as JSON: {exc}") from exc
    stored: dict[str, Any] | str = json.loads(text)
    return stored


def _approval(row: ApprovalRow) -> Approval:
    return Approval.model_validate({
        "id": row.id, "created_at": utc(row.created_at), "operator": row.operator, "tool": row.tool,
        "arguments": row.arguments, "reasons": row.reasons, "conversation_digest": row.conversation_digest,
        "status": row.status, "decided_by": row.decided_by,
        "decided_at": None if row.decided_at is None else utc(row.decided_at), "note": row.note,
    })
