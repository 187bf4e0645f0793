"""Weighing harm against the value of helping, for one conversation's harm findings.

First version: a transparent decision table over the factors the analysers report —
severity, intent (picture the same words from many senders), whether the request asks
for actionable uplift or for understanding (understanding is widely available, so
refusing it protects little), whether the risk falls only on the sender, and who the
operator says the users are. Each verdict states the factors it used, so the reason a
person reads is the rule that was applied. Hard limits are not weighed: an operational
request that would cross one is declined whatever any principal says.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from charter.deployment import Audience, Deployment
from charter.signals import HarmFinding, Intent, Priority, Reason, Severity


class Action(StrEnum):
    """How the assistant should respond, from most to least helpful."""

    HELP = "help"
    HELP_WITH_CARE = "help_with_care"
    PARTIAL = "partial"
    DECLINE = "decline"


ACTION_RANK: dict[Action, int] = {a: i for i, a in enumerate(Action)}


def strictest(actions: Iterable[Action]) -> Action:
    """The most restrictive of several actions (help if none)."""
    return max(actions, key=lambda a: ACTION_RANK[a], default=Action.HELP)


class Verdict(BaseModel):
    """What one harm finding asks of the response, and why."""

    model_config = ConfigDict(frozen=True)

    action: Action
    hard_limit: str | None = None
    reason: Reason


# Findings below this score are noted but do not move the action.
FINDING_THRESHOLD = 0.5

# Audiences the operator vouches for, and the categories where that expertise makes
# detail appropriate (the spec's verified-clinician example).
_EXPERT_CATEGORIES: dict[Audience, frozenset[str]] = {
    Audience.CLINICIANS: frozenset({"self_harm", "drugs", "specialized_advice", "dangerous_activities"}),
    Audience.SECURITY_PROFESSIONALS: frozenset({"cyber_attacks"}),
    Audience.LEGAL_PROFESSIONALS: frozenset({"nonviolent_crimes", "fraud", "specialized_advice"}),
    Audience.RESEARCHERS: frozenset({"drugs", "dangerous_activities"}),
}
# Categories where a vulnerable or young audience raises the stakes.
_VULNERABLE_CATEGORIES = frozenset({"self_harm", "drugs", "dangerous_activities", "sexual_content"})


def weigh(finding: HarmFinding, deployment: Deployment, *, minor: bool, crisis: bool,
          self_risk_unlocked: bool, explicit_content_on: bool) -> Verdict:
    """Decide what one harm finding asks of the response."""
    cat = finding.category
    where = f"{cat} (score {finding.score:.2f})"
    basis = finding.note or "analyser finding"

    if finding.hard_limit and finding.operational and finding.intent != Intent.BENIGN:
        extra = (" The operator's context does not change this: hard limits hold whatever any principal says."
                 if deployment.has_operator else "")
        return Verdict(action=Action.DECLINE, hard_limit=finding.hard_limit, reason=Reason(
            priority=Priority.SAFETY, rule=finding.hard_limit,
            text=f"{where}: asks for operational help that would cross the hard limit "
                 f"{finding.hard_limit} ({basis}).{extra}"))

    severity = int(finding.severity)
    factors: list[str] = [f"severity {finding.severity.name.lower()}", f"intent {finding.intent.value}",
                          "operational" if finding.operational else "informational"]
    vulnerable = minor or Audience.MINORS in deployment.audience or Audience.VULNERABLE in deployment.audience
    if vulnerable and cat in _VULNERABLE_CATEGORIES:
        severity += 1
        factors.append("vulnerable audience raises the stakes")
    experts = [a for a, cats in _EXPERT_CATEGORIES.items() if a in deployment.audience and cat in cats]
    if experts and not vulnerable:
        severity -= 1
        factors.append(f"operator says users are {experts[0].value.replace('_', ' ')}")
    if finding.self_only and not (minor or crisis):
        severity -= 1
        factors.append("risk falls mainly on the sender, an adult deciding for themselves")
        if self_risk_unlocked:
            severity -= 1
            factors.append("user asked for frank detail about their own risk")
    severity = max(0, min(int(Severity.CATASTROPHIC), severity))

    if cat == "sexual_content":
        if minor:
            action, why = Action.DECLINE, "sexual content with signs that the user is a minor"
        elif explicit_content_on:
            action, why = Action.HELP, "explicit content is enabled by the operator for this platform"
        else:
            action, why = Action.PARTIAL, "explicit content is off here; the non-explicit part can be helped"
        return _verdict(action, where, factors, why, basis)

    if finding.intent == Intent.BENIGN:
        action = Action.HELP_WITH_CARE if severity >= Severity.SEVERE else Action.HELP
        why = "reads as a benign sense or purpose; refusing would fail the many who ask for good reasons"
    elif finding.intent == Intent.HARMFUL:
        if severity >= Severity.MODERATE:
            action, why = Action.DECLINE, "states or plainly implies harm to others"
        else:
            action, why = Action.PARTIAL, "implies minor harm to others; help only with the harmless part"
    elif finding.operational:
        if severity >= Severity.SEVERE:
            action, why = Action.DECLINE, "actionable uplift toward grave harm: too costly across all who send it"
        elif severity >= Severity.SERIOUS:
            action, why = Action.PARTIAL, "give understanding, not the operational detail"
        elif severity >= Severity.MODERATE:
            action, why = Action.HELP_WITH_CARE, "moderate risk; most senders are fine, so help with care"
        else:
            action, why = Action.HELP, "little risk in helping"
    else:
        if severity >= Severity.SERIOUS:
            action, why = Action.HELP_WITH_CARE, "understanding is widely available and protects; help with care"
        else:
            action, why = Action.HELP, "informational and low risk"
    return _verdict(action, where, factors, why, basis)


def _verdict(action: Action, where: str, factors: list[str], why: str, basis: str) -> Verdict:
    priority = Priority.HELPFULNESS if action == Action.HELP else Priority.SAFETY
    if action in (Action.HELP_WITH_CARE,):
        priority = Priority.ETHICS
    return Verdict(action=action, reason=Reason(
        priority=priority, rule=where.split(" ", 1)[0],
        text=f"{where}: {', '.join(factors)} -> {action.value}: {why} ({basis})"))
