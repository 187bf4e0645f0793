"""The shipped catalog holds every public id from DESIGN.md with the right tier and default."""

from __future__ import annotations

import pytest

from charter.catalog import Tier, load_catalog, parse_catalog
from charter.errors import CatalogError

# (id, tier, default) as DESIGN.md lists them: public vocabulary that must not drift.
PUBLIC_IDS = [
    ("mass_casualty_weapons", Tier.HARD_LIMIT, True),
    ("sexual_content_minors", Tier.HARD_LIMIT, True),
    ("deny_being_ai", Tier.HARD_LIMIT, True),
    ("deceive_identity", Tier.HARD_LIMIT, True),
    ("undermine_oversight", Tier.HARD_LIMIT, True),
    ("critical_infrastructure", Tier.HARD_LIMIT, True),
    ("cyberweapons", Tier.HARD_LIMIT, True),
    ("state_limits", Tier.PROTECTION, True),
    ("emergency_resources", Tier.PROTECTION, True),
    ("disclose_ai", Tier.PROTECTION, True),
    ("no_harmful_deception", Tier.PROTECTION, True),
    ("no_illegal_actions_against_users", Tier.PROTECTION, True),
    ("basic_dignity", Tier.PROTECTION, True),
    ("safe_messaging", Tier.OPERATOR, True),
    ("safety_caveats", Tier.OPERATOR, True),
    ("balanced_perspectives", Tier.OPERATOR, True),
    ("explicit_content", Tier.OPERATOR, False),
    ("relationship_persona", Tier.OPERATOR, False),
    ("drug_info_without_warnings", Tier.OPERATOR, False),
    ("dietary_advice_beyond_thresholds", Tier.OPERATOR, False),
    ("persuasive_disclaimers", Tier.USER, True),
    ("suggest_professional_help", Tier.USER, True),
    ("break_character", Tier.USER, True),
    ("profanity", Tier.USER, False),
    ("explicit_self_risk_info", Tier.USER, False),
    ("blunt_feedback", Tier.USER, False),
]


@pytest.mark.parametrize(("bid", "tier", "default"), PUBLIC_IDS, ids=[p[0] for p in PUBLIC_IDS])
def test_public_id_has_its_tier_and_default(bid: str, tier: Tier, default: bool) -> None:
    b = load_catalog().get(bid)
    assert (b.tier, b.default) == (tier, default)
    assert len(b.description) > 30, "each behaviour is described in words"


def test_every_fact_a_catalog_entry_names_is_well_formed() -> None:
    for b in load_catalog().behaviours.values():
        for fact in (*b.triggers, *b.revoked_by):
            kind, _, name = fact.partition(":")
            assert kind in {"signal", "category", "action"} and name, (b.id, fact)
        if b.triggers:
            assert b.obligation, f"{b.id} has triggers but says nothing about what it obliges"


def test_conditional_user_switches_are_revoked_by_risk() -> None:
    catalog = load_catalog()
    assert "signal:risk_to_life" in catalog.get("suggest_professional_help").revoked_by
    assert "signal:risk_to_life" in catalog.get("break_character").revoked_by
    assert "signal:minor" in catalog.get("explicit_self_risk_info").revoked_by


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"id": "x"}, "expected a list"),
        ([{"id": "a", "tier": "user", "default": False, "priority": "helpfulness", "description": "d"}] * 2,
         "duplicate id"),
        ([{"id": "a", "tier": "hard_limit", "default": False, "priority": "safety", "description": "d"}],
         "must default to on"),
        ([{"id": "a", "tier": "user", "default": False, "priority": "helpfulness", "description": "d",
           "colour": "red"}], "colour"),
        ([{"id": "Bad-Id", "tier": "user", "default": False, "priority": "helpfulness", "description": "d"}],
         "id"),
    ],
    ids=["not-a-list", "duplicate", "hard-limit-off", "unknown-field", "bad-id"],
)
def test_invalid_catalog_data_is_rejected_with_the_problem_named(data: object, message: str) -> None:
    with pytest.raises(CatalogError, match=message):
        parse_catalog(data)
