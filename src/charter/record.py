"""The record of one assistant turn: what came in, what was decided, what the model wrote,
what the review found, what was repaired, and how long each stage took.

`respond` builds one `TurnRecord` per turn and hands it to the audit store; `charter log`
reads them back. Everything a person needs to see why the assistant answered as it did is
here, in the order it happened.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from charter.agents.gate import GateDecision
from charter.backends.base import ProposedCall
from charter.decision import Decision
from charter.principals import Message
from charter.review import Review


class Outcome(StrEnum):
    """How the turn ended."""

    OK = "ok"  # the first answer passed the review
    REPAIRED = "repaired"  # a later attempt, or an appended obligation, fixed what the review found
    FALLBACK = "fallback"  # every attempt failed the review; Charter's own text was sent instead
    BLOCKED = "blocked"  # the model wrote content the decision forbids; it was replaced by a decline
    UNREPAIRED = "unrepaired"  # the answer still breaks a rule Charter has no text of its own for
    FAILED = "failed"  # the backend failed; nothing (or only part) was sent, and the error is recorded


class RepairKind(StrEnum):
    REGENERATE = "regenerate"  # asked the backend again with corrective guidance
    APPEND = "append"  # added Charter's text for a missing obligation (e.g. emergency resources)
    CUT = "cut"  # stopped a stream at the sentence that broke a rule, and finished with Charter's text
    FALLBACK = "fallback"  # replaced the whole answer with Charter's deterministic text
    BLOCK = "block"  # replaced forbidden content with a transparent decline


class Repair(BaseModel):
    """One thing Charter changed, and the rule that made it change it."""

    attempt: int
    kind: RepairKind
    rules: list[str]
    text: str


class Attempt(BaseModel):
    """One answer the backend wrote, with its review."""

    number: int
    output: str
    review: Review
    generate_ms: float
    review_ms: float


class GatedCall(BaseModel):
    """A tool call the model proposed, and what the gate decided for it."""

    call: ProposedCall
    decision: GateDecision
    approval_id: str | None = None  # set when the call waits for a person


class Timings(BaseModel):
    """Milliseconds per stage; ``charter_ms`` is everything but the backend."""

    assess_ms: float = 0.0
    compose_ms: float = 0.0
    generate_ms: float = 0.0
    review_ms: float = 0.0
    first_token_ms: float | None = None
    total_ms: float = 0.0

    @property
    def charter_ms(self) -> float:
        return round(self.total_ms - self.generate_ms, 3)


def new_turn_id() -> str:
    return uuid.uuid4().hex


class TurnRecord(BaseModel):
    """Everything about one turn, as written to the audit store."""

    id: str = Field(default_factory=new_turn_id)
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    operator: str = "default"
    input: list[Message]
    decision: Decision
    backend: str
    output: str = ""
    outcome: Outcome = Outcome.OK
    streamed: bool = False
    attempts: list[Attempt] = Field(default_factory=list)
    repairs: list[Repair] = Field(default_factory=list)
    review: Review | None = None  # the review of what was finally sent
    tool_calls: list[GatedCall] = Field(default_factory=list)  # proposed calls and the gate's decisions
    timings: Timings = Field(default_factory=Timings)
    error: str | None = None

    def summary(self) -> str:
        """One line for `charter log`."""
        when = self.created_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
        rules = sorted({r for rep in self.repairs for r in rep.rules})
        fixed = f" repairs={','.join(rules)}" if rules else ""
        last_user = next((m.text for m in reversed(self.input) if m.principal == "user"), "")
        return (f"{when} {self.id[:12]} {self.operator} {self.decision.action.value} {self.outcome.value}"
                f"{fixed} backend={self.backend} {self.timings.total_ms:.0f}ms "
                f"{_clip(last_user, 60)!r} -> {_clip(self.output, 60)!r}")


def _clip(text: str, n: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def allowed_calls(record: TurnRecord) -> list[ProposedCall]:
    """The tool calls the gate let through, in the order the model proposed them."""
    from charter.agents.gate import GateAction

    return [g.call for g in record.tool_calls if g.decision.action == GateAction.ALLOW]
