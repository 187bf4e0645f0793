"""The deployment: what the operator set up, from the policy file and the system prompt.

An operator speaks twice: once in the YAML policy (explicit switches, user grants,
scope) and once in plain words in the system prompt ("You are a coding assistant",
"users are verified clinicians", "don't swear"). `Deployment` is the merged, typed
view of both that the analysers and the decision read. Every inference from the
system prompt's words is recorded as a reason, so an operator can see what Charter
understood; the phrase rules live in `charter.operator_words`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field

from charter.operator_words import Audience, Inference, read_operator_words
from charter.policy import Policy

if TYPE_CHECKING:
    from charter.principals import Conversation


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


__all__ = ["Audience", "Deployment", "Inference", "build_deployment"]


# --------------------------------------------------------------------------- merge

_NO_POLICY = Policy()


def build_deployment(policy: Policy | None, conversation: Conversation) -> Deployment:
    """Merge the operator's policy file with what their system prompt's words imply.

    The prompt is the policy's ``operator.system_prompt`` (if set) followed by the
    conversation's operator messages. Every inference from words is recorded with the
    words; policy values override inferred ones, and the policy's locks add to them.
    """
    policy = policy or _NO_POLICY
    prompts = [p for p in (policy.operator.system_prompt, conversation.operator_text)
               if p and p.strip()]
    system_prompt = "\n\n".join(prompts)
    context = policy.operator.context or ""
    reading = read_operator_words(system_prompt, context)
    notes = list(reading.inferences)

    behaviours = dict(reading.behaviours)
    for behaviour_id, value in policy.behaviours.items():
        if behaviours.get(behaviour_id, value) != value:
            notes.append(Inference(
                what=f"overridden by the policy: {behaviour_id} {'on' if value else 'off'}",
                evidence=f"behaviours.{behaviour_id}"))
        behaviours[behaviour_id] = value
    if behaviours.get("explicit_content") and Audience.MINORS in reading.audience:
        # Never for an audience that includes minors, whoever asks; the decision re-checks.
        behaviours["explicit_content"] = False
        notes.append(Inference(what="refused: explicit_content on (the audience includes minors)",
                               evidence=reading.minors_evidence))

    # A lock read from words yields to an explicit policy switch, unless the policy locks it too.
    locks = {b for b in reading.locks if b not in policy.behaviours}
    locks |= set(policy.users.may_not_change)

    user_trust: Literal["user", "operator"] = reading.user_trust or "user"
    if "trust" in policy.users.model_fields_set:
        user_trust = policy.users.trust

    scope = reading.explicit_scope or reading.implied_scope
    if policy.scope.only:
        if scope:
            notes.append(Inference(what="overridden by the policy: scope", evidence="scope.only"))
        scope = tuple(policy.scope.only)

    return Deployment(
        has_operator=bool(system_prompt.strip()) or not policy.is_empty,
        operator_name=policy.operator.name, system_prompt=system_prompt, context=context,
        persona=reading.persona, audience=reading.audience or frozenset({Audience.GENERAL}),
        domain=reading.domain, scope=scope, behaviours=behaviours, locks=frozenset(locks),
        user_trust=user_trust, may_enable=frozenset(policy.users.may_enable),
        may_disable=frozenset(policy.users.may_disable), conflicts=reading.conflicts,
        inferences=tuple(notes))
