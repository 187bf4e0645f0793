"""The behaviour resolver: platform defaults + operator settings + user requests.

`resolve` is pure and deterministic. It applies, in order:

1. the platform defaults from the catalog;
2. the operator's settings (policy file and system-prompt words, already merged in the
   `Deployment`): operators may move any operator- or user-tier behaviour either way, never
   a hard limit or a user protection;
3. the user's plain-words requests, in the order they were made. Moving a behaviour back
   towards its default (being *more* careful) is honoured from anyone. Moving it away needs
   power: user-tier behaviours are the user's to switch; operator-tier ones only with
   ``users.trust: operator`` or a ``may_enable``/``may_disable`` grant. Nothing the operator
   locked moves, whatever the user's trust.

A behaviour is locked for users when it is listed in ``users.may_not_change`` or when the
operator explicitly set it to its default (an operator writing ``profanity: off`` means it).

`apply_conditions` then puts defaults back where the conversation's facts revoke a
relaxation (``revoked_by`` in the catalog: signs of a minor, risk to life).

Every change, and every refused change, comes with a `Reason`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict

from charter.catalog import Behaviour, Catalog, Tier
from charter.deployment import Deployment
from charter.signals import Priority, Reason, SwitchRequest

SetBy = Literal["platform", "operator", "user"]


class Setting(BaseModel):
    """A behaviour's effective value and who set it."""

    model_config = ConfigDict(frozen=True)

    value: bool
    set_by: SetBy


class Resolution(BaseModel):
    """The effective behaviours for one conversation, with the reasons for each change."""

    model_config = ConfigDict(frozen=True)

    settings: dict[str, Setting]
    reasons: tuple[Reason, ...] = ()

    def value(self, behaviour_id: str) -> bool:
        return self.settings[behaviour_id].value

    def changed(self, catalog: Catalog) -> dict[str, Setting]:
        """Only the behaviours whose value differs from the catalog default."""
        return {bid: s for bid, s in self.settings.items() if s.value != catalog.get(bid).default}


def _onoff(value: bool) -> str:
    return "on" if value else "off"


def _tier_words(b: Behaviour) -> str:
    return "a hard limit" if b.tier == Tier.HARD_LIMIT else "a user protection"


def user_locks(deployment: Deployment, catalog: Catalog) -> frozenset[str]:
    """Behaviours the operator has put beyond the user's reach."""
    explicit_defaults = {
        bid for bid, v in deployment.behaviours.items() if bid in catalog and v == catalog.get(bid).default
    }
    return frozenset(deployment.locks) | frozenset(explicit_defaults)


def resolve(catalog: Catalog, deployment: Deployment, requests: Sequence[SwitchRequest] = ()) -> Resolution:
    """Combine defaults, operator settings and user requests into effective behaviours."""
    settings: dict[str, Setting] = {b.id: Setting(value=b.default, set_by="platform")
                                    for b in catalog.behaviours.values()}
    reasons: list[Reason] = []

    for bid, value in deployment.behaviours.items():
        if bid not in catalog:
            reasons.append(Reason(priority=Priority.GUIDELINES, rule=bid,
                                  text=f"operator setting for unknown behaviour {bid!r} ignored"))
            continue
        b = catalog.get(bid)
        if not b.switchable:
            if value != b.default:
                reasons.append(Reason(priority=b.priority, rule=bid,
                                      text=f"operator asked to turn {bid} off; it is {_tier_words(b)}, "
                                           "which nobody can change"))
            continue
        settings[bid] = Setting(value=value, set_by="operator")
        if value != b.default:
            reasons.append(Reason(priority=Priority.GUIDELINES, rule=bid,
                                  text=f"operator turned {bid} {_onoff(value)}"))

    locks = user_locks(deployment, catalog)
    for req in requests:
        if req.behaviour not in catalog:
            continue  # analysers only emit catalog ids; a third-party one may not
        b = catalog.get(req.behaviour)
        current = settings[b.id]
        if req.value == current.value:
            continue
        said = f" (\"{req.evidence}\")" if req.evidence else ""
        if req.value == b.default:
            # Back towards the default is always the more careful direction.
            if b.switchable:
                settings[b.id] = Setting(value=req.value, set_by="user")
                reasons.append(Reason(priority=Priority.HELPFULNESS, rule=b.id,
                                      text=f"user asked for {b.id} {_onoff(req.value)}{said}; "
                                           "requests for more care are honoured from anyone"))
            continue
        refusal = _user_refusal(b, deployment, locks, req.value)
        if refusal is None:
            settings[b.id] = Setting(value=req.value, set_by="user")
            reasons.append(Reason(priority=Priority.HELPFULNESS, rule=b.id,
                                  text=f"user turned {b.id} {_onoff(req.value)}{said}"))
        else:
            priority = b.priority if not b.switchable else Priority.GUIDELINES
            reasons.append(Reason(priority=priority, rule=b.id,
                                  text=f"user asked to turn {b.id} {_onoff(req.value)}{said}; "
                                       f"not changed: {refusal}"))
    return Resolution(settings=settings, reasons=tuple(reasons))


def _user_refusal(b: Behaviour, deployment: Deployment, locks: frozenset[str], value: bool) -> str | None:
    """Why a user may not move ``b`` away from its default, or None if they may."""
    if not b.switchable:
        return f"it is {_tier_words(b)}, which nobody can change"
    if b.id in locks:
        return "the operator has fixed it for this deployment"
    if b.tier == Tier.USER:
        return None
    if deployment.user_trust == "operator":
        return None
    granted = deployment.may_enable if value else deployment.may_disable
    if b.id in granted:
        return None
    return "only the operator can change it here, and it has not let users"


def apply_conditions(catalog: Catalog, resolution: Resolution, facts: Iterable[str]) -> Resolution:
    """Put defaults back where a present fact revokes a relaxation (catalog ``revoked_by``)."""
    present = set(facts)
    settings = dict(resolution.settings)
    reasons = list(resolution.reasons)
    for bid, setting in resolution.settings.items():
        b = catalog.get(bid)
        if setting.value == b.default:
            continue
        hits = [f for f in b.revoked_by if f in present]
        if hits:
            settings[bid] = Setting(value=b.default, set_by="platform")
            why = ", ".join(h.split(":", 1)[-1].replace("_", " ") for h in hits)
            reasons.append(Reason(priority=Priority.SAFETY, rule=bid,
                                  text=f"{bid} returned to {_onoff(b.default)}: {why} present "
                                       f"({b.conditions or 'catalog condition'})"))
    return Resolution(settings=settings, reasons=tuple(reasons))
