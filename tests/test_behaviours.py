"""The permission lattice: an explicit table for every catalog id, and properties that must always hold."""

from __future__ import annotations

from typing import Literal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from charter.behaviours import apply_conditions, resolve, user_locks
from charter.catalog import Behaviour, Tier, load_catalog
from charter.deployment import Deployment
from charter.principals import Principal
from charter.signals import SwitchRequest

CATALOG = load_catalog()
ALL_IDS = CATALOG.ids()
SWITCHABLE = [b.id for b in CATALOG.behaviours.values() if b.switchable]
OPERATOR_TIER = [b.id for b in CATALOG.by_tier(Tier.OPERATOR)]
FIXED = [b.id for b in CATALOG.behaviours.values() if not b.switchable]


def ask(bid: str, value: bool) -> SwitchRequest:
    return SwitchRequest(behaviour=bid, value=value, principal=Principal.USER, message=0, evidence="…")


# ------------------------------------------------------------------ the lattice, row by row

Who = Literal["operator", "user", "user_trusted", "user_granted", "user_locked"]
# Expected outcome of trying to move a behaviour AWAY from its default, by tier and actor.
# Written out by hand from DESIGN.md, not derived from the resolver.
UNLOCK_ALLOWED: dict[Tier, dict[Who, bool]] = {
    Tier.HARD_LIMIT: {"operator": False, "user": False, "user_trusted": False, "user_granted": False,
                      "user_locked": False},
    Tier.PROTECTION: {"operator": False, "user": False, "user_trusted": False, "user_granted": False,
                      "user_locked": False},
    Tier.OPERATOR: {"operator": True, "user": False, "user_trusted": True, "user_granted": True,
                    "user_locked": False},
    Tier.USER: {"operator": True, "user": True, "user_trusted": True, "user_granted": True,
                "user_locked": False},
}
ROWS = [(bid, who) for bid in ALL_IDS for who in UNLOCK_ALLOWED[Tier.USER]]


def _deployment_for(who: Who, b: Behaviour) -> Deployment:
    away = not b.default
    if who == "operator":
        return Deployment(has_operator=True, behaviours={b.id: away})
    if who == "user_trusted":
        return Deployment(has_operator=True, user_trust="operator")
    if who == "user_granted":
        grant = frozenset({b.id})
        return Deployment(has_operator=True, may_enable=grant if away else frozenset(),
                          may_disable=grant if not away else frozenset())
    if who == "user_locked":
        return Deployment(has_operator=True, locks=frozenset({b.id}), user_trust="operator")
    return Deployment()


@pytest.mark.parametrize(("bid", "who"), ROWS, ids=[f"{bid}-{who}" for bid, who in ROWS])
def test_lattice_row(bid: str, who: Who) -> None:
    b = CATALOG.get(bid)
    away = not b.default
    dep = _deployment_for(who, b)
    requests = [] if who == "operator" else [ask(bid, away)]
    result = resolve(CATALOG, dep, requests)
    allowed = UNLOCK_ALLOWED[b.tier][who]
    assert result.value(bid) == (away if allowed else b.default)
    # Every attempt, accepted or refused, leaves a reason naming the behaviour.
    assert any(r.rule == bid for r in result.reasons)
    if allowed:
        assert result.settings[bid].set_by == ("operator" if who == "operator" else "user")
        assert bid in result.changed(CATALOG)
    else:
        assert bid not in result.changed(CATALOG)
        assert any("not changed" in r.text or "nobody can change" in r.text for r in result.reasons if r.rule == bid)


@pytest.mark.parametrize("bid", SWITCHABLE)
def test_more_care_is_honoured_from_a_plain_user_after_the_operator_relaxed(bid: str) -> None:
    b = CATALOG.get(bid)
    dep = Deployment(has_operator=True, behaviours={bid: not b.default})
    result = resolve(CATALOG, dep, [ask(bid, b.default)])
    assert result.value(bid) == b.default
    assert result.settings[bid].set_by == "user"


def test_swearing_request_turns_profanity_on_unless_the_operator_locked_it() -> None:
    req = [ask("profanity", True)]
    assert resolve(CATALOG, Deployment(), req).value("profanity") is True
    locked = Deployment(has_operator=True, locks=frozenset({"profanity"}))
    assert resolve(CATALOG, locked, req).value("profanity") is False
    explicit_off = Deployment(has_operator=True, behaviours={"profanity": False})
    assert resolve(CATALOG, explicit_off, req).value("profanity") is False


def test_later_request_supersedes_earlier_one() -> None:
    result = resolve(CATALOG, Deployment(), [ask("profanity", True), ask("profanity", False)])
    assert result.value("profanity") is False


def test_operator_setting_for_a_hard_limit_is_refused_with_a_reason() -> None:
    dep = Deployment(has_operator=True, behaviours={"mass_casualty_weapons": False, "disclose_ai": False})
    result = resolve(CATALOG, dep)
    assert result.value("mass_casualty_weapons") and result.value("disclose_ai")
    rules = {r.rule for r in result.reasons}
    assert {"mass_casualty_weapons", "disclose_ai"} <= rules


@pytest.mark.parametrize(
    ("bid", "set_by_operator", "fact"),
    [
        ("explicit_content", True, "signal:minor"),
        ("relationship_persona", True, "signal:minor"),
        ("drug_info_without_warnings", True, "signal:minor"),
        ("dietary_advice_beyond_thresholds", True, "signal:minor"),
        ("explicit_self_risk_info", False, "signal:minor"),
        ("explicit_self_risk_info", False, "signal:risk_to_life"),
        ("suggest_professional_help", False, "signal:risk_to_life"),
        ("break_character", False, "signal:roleplay_harm"),
    ],
    ids=lambda v: str(v),
)
def test_conditions_put_the_default_back(bid: str, set_by_operator: bool, fact: str) -> None:
    b = CATALOG.get(bid)
    if set_by_operator:
        result = resolve(CATALOG, Deployment(has_operator=True, behaviours={bid: not b.default}))
    else:
        result = resolve(CATALOG, Deployment(), [ask(bid, not b.default)])
    assert result.value(bid) == (not b.default)
    after = apply_conditions(CATALOG, result, {fact})
    assert after.value(bid) == b.default
    assert after.settings[bid].set_by == "platform"
    assert any(r.rule == bid and fact.split(":")[1].replace("_", " ") in r.text for r in after.reasons)
    # Unrelated facts change nothing.
    assert apply_conditions(CATALOG, result, {"signal:unrelated"}).value(bid) == (not b.default)


# ------------------------------------------------------------------ properties

deployments = st.builds(
    Deployment,
    has_operator=st.just(True),
    behaviours=st.dictionaries(st.sampled_from(ALL_IDS), st.booleans(), max_size=8),
    locks=st.frozensets(st.sampled_from(SWITCHABLE), max_size=4),
    user_trust=st.sampled_from(["user", "operator"]),
    may_enable=st.frozensets(st.sampled_from(OPERATOR_TIER), max_size=3),
    may_disable=st.frozensets(st.sampled_from(OPERATOR_TIER), max_size=3),
)
requests = st.lists(st.builds(ask, st.sampled_from(ALL_IDS), st.booleans()), max_size=10)


@settings(max_examples=300, deadline=None)
@given(deployments, requests)
def test_user_never_gets_more_than_the_operator_granted(dep: Deployment, reqs: list[SwitchRequest]) -> None:
    operator_only = resolve(CATALOG, dep)
    final = resolve(CATALOG, dep, reqs)
    locks = user_locks(dep, CATALOG)
    for bid, setting in final.settings.items():
        b = CATALOG.get(bid)
        if setting.value == operator_only.value(bid) or setting.value == b.default:
            continue  # unchanged by the user, or moved towards care
        # The user moved it away from the default: only with power the operator left them.
        assert b.switchable and bid not in locks
        granted = dep.may_enable if setting.value else dep.may_disable
        assert b.tier == Tier.USER or dep.user_trust == "operator" or bid in granted


@settings(max_examples=300, deadline=None)
@given(deployments, requests)
def test_nobody_unlocks_a_hard_limit_or_protection(dep: Deployment, reqs: list[SwitchRequest]) -> None:
    final = resolve(CATALOG, dep, reqs)
    for bid in FIXED:
        assert final.value(bid) is True
        assert final.settings[bid].set_by == "platform"


@settings(max_examples=300, deadline=None)
@given(deployments, requests, st.sampled_from(SWITCHABLE))
def test_an_operator_can_always_restrict(dep: Deployment, reqs: list[SwitchRequest], bid: str) -> None:
    default = CATALOG.get(bid).default
    restricted = dep.model_copy(update={"behaviours": {**dep.behaviours, bid: default}})
    assert resolve(CATALOG, restricted, reqs).value(bid) == default
    # A lock stops users loosening what the operator set; moving back towards care stays open.
    locked = dep.model_copy(update={"locks": dep.locks | {bid}})
    assert resolve(CATALOG, locked, reqs).value(bid) in {resolve(CATALOG, locked).value(bid), default}


@settings(max_examples=300, deadline=None)
@given(deployments, st.sampled_from(ALL_IDS), st.booleans())
def test_trusted_users_have_exactly_the_operators_powers(dep: Deployment, bid: str, value: bool) -> None:
    trusted = dep.model_copy(update={"user_trust": "operator"})
    if bid in user_locks(trusted, CATALOG):
        return  # the operator fixed it: nobody below the operator moves it
    as_user = resolve(CATALOG, trusted, [ask(bid, value)]).value(bid)
    as_operator = resolve(CATALOG, trusted.model_copy(update={"behaviours": {**dep.behaviours, bid: value}})).value(bid)
    assert as_user == as_operator


@settings(max_examples=300, deadline=None)
@given(deployments, requests, st.sampled_from(SWITCHABLE))
def test_requests_for_more_care_are_honoured_from_anyone(dep: Deployment, reqs: list[SwitchRequest], bid: str) -> None:
    default = CATALOG.get(bid).default
    final = resolve(CATALOG, dep, [*reqs, ask(bid, default)])
    assert final.value(bid) == default


@settings(max_examples=100, deadline=None)
@given(deployments, requests)
def test_resolution_is_deterministic(dep: Deployment, reqs: list[SwitchRequest]) -> None:
    assert resolve(CATALOG, dep, reqs) == resolve(CATALOG, dep, reqs)
