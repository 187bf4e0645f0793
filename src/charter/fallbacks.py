"""Charter's own words: deterministic text for an obligation when the model did not meet it.

The repair loop first asks the backend again; when that fails, or when the model wrote
something it must not, these texts are what the person reads. They are plain, short and
true whatever model is behind the deployment.
"""

from __future__ import annotations

from functools import lru_cache

from charter.decision import Action, Decision
from charter.deployment import Deployment
from charter.harm import HarmCategory, load_categories

AI_DISCLOSURE = "To be clear: I'm an AI assistant, not a human."

EMERGENCY_RESOURCES = (
    "If you are in danger or thinking about ending your life, please reach out now: call your local emergency "
    "number (911 in the US and Canada, 999 in the UK, 112 across the EU, 000 in Australia). In the US you can "
    "call or text 988 (Suicide & Crisis Lifeline); in the UK and Ireland, Samaritans answer on 116 123. "
    "You deserve support, and people are ready to help right now."
)

CONFIDENTIAL_INSTRUCTIONS = ("To be accurate: I do have instructions from the operator of this service, and I "
                             "keep their details confidential.")

REDACTED_LINK = "[removed: this came from instructions inside the material I was given]"


@lru_cache(maxsize=1)
def _categories() -> dict[str, HarmCategory]:
    return load_categories()


def limits_phrase(decision: Decision, deployment: Deployment | None = None) -> str:
    """What the assistant won't help with, as a noun phrase ("instructions for ...")."""
    cats = _categories()
    if decision.hard_limit:
        for cat in cats.values():
            if cat.hard_limit == decision.hard_limit:
                return f"anything involving {cat.name.lower()}"
        if decision.hard_limit == "undermine_oversight":
            return "weakening people's ability to oversee or correct this AI"
        return f"this request, because it crosses a firm limit ({decision.hard_limit.replace('_', ' ')})"
    rules = [r.rule for r in decision.reasons]
    if "undermine_oversight" in rules:
        return "weakening people's ability to oversee or correct this AI"
    declined_cats = [c.id for c in decision.categories if c.id in cats and c.id in rules]
    if declined_cats:
        return f"requests involving {cats[declined_cats[0]].name.lower()}"
    if "scope" in rules:
        scope = "; ".join(deployment.scope) if deployment and deployment.scope else (
            deployment.domain if deployment and deployment.domain else "")
        return f"questions outside what this assistant is set up for ({scope})" if scope else \
            "questions outside what this assistant is set up for"
    return "this particular request"


def decline_text(decision: Decision, deployment: Deployment | None = None) -> str:
    """A transparent decline: what won't be helped, no lecture, and resources when life may be at risk."""
    what = limits_phrase(decision, deployment)
    text = f"I can't help with {what}."
    if decision.action == Action.PARTIAL:
        text += " I'm glad to help with the rest of your question, or with something related."
    elif "scope" in {r.rule for r in decision.reasons} and not decision.hard_limit:
        text += " You may find better help with that elsewhere; I'm glad to help with anything in my remit."
    else:
        text += " If something related would help, ask and I'll do what I can."
    if "emergency_resources" in decision.obligations:
        text += "\n\n" + EMERGENCY_RESOURCES
    return text


def state_limits_sentence(decision: Decision, deployment: Deployment | None = None) -> str:
    """Appended to a vague decline so the person knows what to look for elsewhere."""
    return f"To be specific: I can't help with {limits_phrase(decision, deployment)}."
