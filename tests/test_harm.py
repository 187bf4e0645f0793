"""The harm taxonomy: every category maps to an MLCommons hazard and names only real hard limits."""

from __future__ import annotations

from typing import Any

import pytest

from charter.catalog import Tier, load_catalog
from charter.errors import CatalogError
from charter.harm import MLCOMMONS_HAZARDS, HarmCategory, load_categories, parse_categories
from charter.signals import Severity

# Public vocabulary: `categories` in `charter assess` reports these ids.
PUBLIC_IDS = [
    "violent_crimes", "weapons", "indiscriminate_weapons", "cyber_attacks", "critical_infrastructure",
    "nonviolent_crimes", "fraud", "drugs", "sex_crimes", "child_sexual_exploitation", "sexual_content", "hate",
    "harassment", "self_harm", "dangerous_activities", "privacy", "defamation", "intellectual_property",
    "specialized_advice", "elections",
]

# The categories whose operational help crosses a catalog hard limit, and which one.
HARD_LIMITS = [
    ("indiscriminate_weapons", "mass_casualty_weapons"),
    ("child_sexual_exploitation", "sexual_content_minors"),
    ("critical_infrastructure", "critical_infrastructure"),
    ("cyber_attacks", "cyberweapons"),
]

# The hazard each category is compared against in benchmarks labelled in that taxonomy.
HAZARDS = [
    ("violent_crimes", "S1"), ("indiscriminate_weapons", "S9"), ("sex_crimes", "S3"),
    ("child_sexual_exploitation", "S4"), ("sexual_content", "S12"), ("hate", "S10"), ("self_harm", "S11"),
    ("privacy", "S7"), ("defamation", "S5"), ("intellectual_property", "S8"), ("specialized_advice", "S6"),
    ("elections", "S13"), ("fraud", "S2"),
]


def _valid(**overrides: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": "example", "name": "Example", "mlcommons": "S1 Violent Crimes",
                             "description": "An example category.", "severity": "serious", "hard_limit": None}
    entry.update(overrides)
    return entry


def test_shipped_file_holds_exactly_the_public_ids_in_order() -> None:
    assert list(load_categories()) == PUBLIC_IDS


@pytest.mark.parametrize("cid", PUBLIC_IDS, ids=PUBLIC_IDS)
def test_every_category_maps_to_a_known_mlcommons_hazard(cid: str) -> None:
    category = load_categories()[cid]
    code, _, name = category.mlcommons.partition(" ")
    assert MLCOMMONS_HAZARDS[code] == name
    assert category.mlcommons_code == code
    assert category.description.strip() and category.name.strip()


@pytest.mark.parametrize(("cid", "code"), HAZARDS, ids=[h[0] for h in HAZARDS])
def test_category_maps_to_its_own_hazard(cid: str, code: str) -> None:
    assert load_categories()[cid].mlcommons_code == code


@pytest.mark.parametrize("cid", PUBLIC_IDS, ids=PUBLIC_IDS)
def test_every_hard_limit_named_is_a_catalog_hard_limit(cid: str) -> None:
    limits = {b.id for b in load_catalog().by_tier(Tier.HARD_LIMIT)}
    hard_limit = load_categories()[cid].hard_limit
    assert hard_limit is None or hard_limit in limits


@pytest.mark.parametrize(("cid", "limit"), HARD_LIMITS, ids=[h[0] for h in HARD_LIMITS])
def test_mass_harm_categories_reach_their_hard_limit(cid: str, limit: str) -> None:
    assert load_categories()[cid].hard_limit == limit


def test_only_the_mass_harm_categories_have_hard_limits() -> None:
    with_limits = {cid for cid, c in load_categories().items() if c.hard_limit}
    assert with_limits == {cid for cid, _ in HARD_LIMITS}


def test_severity_is_read_by_name_into_the_ordered_scale() -> None:
    category = parse_categories([_valid(severity="Catastrophic")])["example"]
    assert category.severity is Severity.CATASTROPHIC
    assert category.severity > Severity.SEVERE


def test_loading_is_cached() -> None:
    assert load_categories() is load_categories()


INVALID = [
    ("not-a-list", {"id": "x"}, "expected a list"),
    ("unknown-severity", [_valid(severity="apocalyptic")], "unknown severity"),
    ("severity-none", [_valid(severity="none")], "unknown severity"),
    ("unknown-hazard-code", [_valid(mlcommons="S99 Violent Crimes")], "unknown MLCommons hazard"),
    ("hazard-name-mismatch", [_valid(mlcommons="S9 Violent Crimes")], "unknown MLCommons hazard"),
    ("hazard-without-name", [_valid(mlcommons="S1")], "mlcommons"),
    ("hard-limit-unknown", [_valid(hard_limit="world_domination")], "not a hard_limit in the catalog"),
    ("hard-limit-is-a-protection", [_valid(hard_limit="state_limits")], "not a hard_limit in the catalog"),
    ("duplicate-id", [_valid(), _valid()], "duplicate id 'example'"),
    ("unknown-key", [_valid(colour="red")], "colour"),
    ("missing-description", [{k: v for k, v in _valid().items() if k != "description"}], "description"),
    ("bad-id", [_valid(id="Violent Crimes")], "id"),
    ("empty-name", [_valid(name="")], "name"),
]


@pytest.mark.parametrize(("data", "problem"), [c[1:] for c in INVALID], ids=[c[0] for c in INVALID])
def test_invalid_category_data_is_rejected_with_the_problem_named(data: Any, problem: str) -> None:
    with pytest.raises(CatalogError, match=problem):
        parse_categories(data)


def test_categories_are_frozen() -> None:
    category = load_categories()["fraud"]
    assert isinstance(category, HarmCategory)
    with pytest.raises(ValueError, match="frozen"):
        category.severity = Severity.MINOR  # type: ignore[misc]
