"""The deployment: what the operator set up, from the policy file and the system prompt.

An operator speaks twice: once in the YAML policy (explicit switches, user grants,
scope) and once in plain words in the system prompt ("You are a coding assistant",
"users are verified clinicians", "don't swear"). `Deployment` is the merged, typed
view of both that the analysers and the decision read. Every inference from the
system prompt's words is recorded as a reason, so an operator can see what Charter
understood.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Audience(StrEnum):
    """Who the operator says the users are, when it matters for weighing harm."""

    GENERAL = "general"  # no operator context: a reasonable adult member of the public
    VULNERABLE = "vulnerable"  # e.g. an app for people with depression or in recovery
    MINORS = "minors"  # a children's or teen service
    CLINICIANS = "clinicians"  # medical professionals (verified, per the operator)
    SECURITY_PROFESSIONALS = "security_professionals"  # pentesters, red teams, SOC staff
    LEGAL_PROFESSIONALS = "legal_professionals"
    RESEARCHERS = "researchers"


class Inference(BaseModel):
    """One thing Charter understood from the operator's plain words, with the words."""

    model_config = ConfigDict(frozen=True)

    what: str  # e.g. "scope: coding", "audience: clinicians", "lock: profanity off"
    evidence: str  # the phrase in the system prompt


class Deployment(BaseModel):
    """The effective operator context for one conversation."""

    model_config = ConfigDict(frozen=True)

    has_operator: bool = False  # false: no system prompt and no policy; the platform stands in
    operator_name: str | None = None
    system_prompt: str = ""
    context: str = ""  # free-text deployment context from the policy
    persona: str | None = None  # a custom persona name the operator gave the assistant
    audience: frozenset[Audience] = frozenset({Audience.GENERAL})
    domain: str | None = None  # e.g. "coding", "banking", "medical": what the deployment is for
    scope: tuple[str, ...] = ()  # if non-empty, only these topics are in scope
    behaviours: dict[str, bool] = Field(default_factory=dict)  # operator-set switches
    locks: frozenset[str] = frozenset()  # behaviours users may not change
    user_trust: Literal["user", "operator"] = "user"
    may_enable: frozenset[str] = frozenset()  # operator-tier behaviours users may turn on
    may_disable: frozenset[str] = frozenset()  # operator-tier behaviours users may turn off
    # Operator instructions that cross a user protection or hard limit: recorded, never followed.
    conflicts: tuple[tuple[str, str], ...] = ()  # (catalog id, the instruction's words)
    inferences: tuple[Inference, ...] = ()
