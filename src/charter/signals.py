"""What the analysers report: signals, harm findings and behaviour-switch requests.

Analysers never decide. They describe what they found, where, and how sure they are;
the decision stage weighs it. Every finding carries a plain-words ``note`` that says
how it was found, so a reason can be honest about a simple heuristic.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum

from pydantic import BaseModel, ConfigDict, Field

from charter.principals import Principal


class Priority(StrEnum):
    """The spec's priorities, highest first, used to order reasons."""

    SAFETY = "safety"
    ETHICS = "ethics"
    GUIDELINES = "guidelines"
    HELPFULNESS = "helpfulness"


PRIORITY_RANK: dict[Priority, int] = {p: i for i, p in enumerate(Priority)}


class Severity(IntEnum):
    """How bad the worst realistic outcome of helping would be."""

    NONE = 0
    MINOR = 1  # embarrassment, small and easily undone
    MODERATE = 2  # real but recoverable harm to one person
    SERIOUS = 3  # lasting harm to a person, or harm to several
    SEVERE = 4  # death or grave injury to someone, or wide harm
    CATASTROPHIC = 5  # mass casualties or irreversible harm at scale


class Intent(StrEnum):
    """What the wording suggests about why the sender asks."""

    BENIGN = "benign"  # educational, protective, fictional, technical sense
    UNCLEAR = "unclear"  # most senders plausibly fine, some not
    HARMFUL = "harmful"  # the request states or plainly implies harm to others


class Signal(BaseModel):
    """Something an analyser noticed, e.g. ``injection`` in a tool result."""

    model_config = ConfigDict(frozen=True)

    id: str
    score: float = Field(ge=0.0, le=1.0)
    source: str  # a principals.Source value, or "conversation" for whole-conversation signals
    message: int | None = None  # index of the request message it was found in
    note: str = Field(default="", exclude=True)  # how it was found, for reasons


class HarmFinding(BaseModel):
    """A possible harm in what the user asks for, in one category."""

    model_config = ConfigDict(frozen=True)

    category: str  # an id from charter/data/categories.yaml
    score: float = Field(ge=0.0, le=1.0)  # how likely this message really asks for it
    severity: Severity
    intent: Intent
    operational: bool  # asks for actionable uplift (steps, recipes, code), not understanding
    self_only: bool = False  # the risk falls mainly on the sender
    hard_limit: str | None = None  # catalog id of a hard limit this would cross if helped
    message: int | None = None
    source: str = "user"
    note: str = ""


class SwitchRequest(BaseModel):
    """A principal asking, in plain words, to turn a catalog behaviour on or off."""

    model_config = ConfigDict(frozen=True)

    behaviour: str  # catalog id
    value: bool
    principal: Principal
    message: int | None = None
    evidence: str = ""  # the words that asked


class Findings(BaseModel):
    """Everything one or more analysers found."""

    signals: list[Signal] = Field(default_factory=list)
    harms: list[HarmFinding] = Field(default_factory=list)
    switch_requests: list[SwitchRequest] = Field(default_factory=list)

    def extend(self, other: Findings) -> None:
        self.signals.extend(other.signals)
        self.harms.extend(other.harms)
        self.switch_requests.extend(other.switch_requests)

    def signal(self, signal_id: str) -> Signal | None:
        """The strongest signal with this id, if any."""
        found = [s for s in self.signals if s.id == signal_id]
        return max(found, key=lambda s: s.score) if found else None


class Reason(BaseModel):
    """Why a decision came out as it did: which priority, which rule, in plain words."""

    model_config = ConfigDict(frozen=True)

    priority: Priority
    rule: str  # a catalog id, a category id, or a named decision rule
    text: str


def ordered(reasons: list[Reason]) -> list[Reason]:
    """Reasons by the spec's priorities (safety first), keeping order within a priority."""
    return sorted(reasons, key=lambda r: PRIORITY_RANK[r.priority])
