"""The behaviour catalog: the constitution's rules as data.

Each behaviour has a default, a tier that says who may move it away from that default,
plain-words conditions, the signals that revoke a relaxation, and the facts that make
its obligation apply to a response. The catalog is loaded from ``data/catalog.yaml``
and validated once; nothing else in Charter hard-codes who may switch what.
"""

from __future__ import annotations

from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from charter.errors import CatalogError
from charter.signals import Priority


class Tier(StrEnum):
    """Who may move a behaviour away from its default."""

    HARD_LIMIT = "hard_limit"  # nobody; crossing it means declining
    PROTECTION = "protection"  # nobody; a promise to users no operator can remove
    OPERATOR = "operator"  # the operator (and users the operator trusts or grants)
    USER = "user"  # the user too, unless the operator locks it


class Level(StrEnum):
    """A principal's power over switches, ordered nobody < user < operator."""

    NOBODY = "nobody"
    USER = "user"
    OPERATOR = "operator"


class Behaviour(BaseModel):
    """One catalog entry."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    tier: Tier
    description: str
    default: bool  # for hard limits and protections: always true (the rule is in force)
    priority: Priority  # where reasons about it rank
    conditions: str = ""  # plain-words limits on switching it
    revoked_by: tuple[str, ...] = ()  # facts that force the default back, e.g. "signal:risk_to_life"
    triggers: tuple[str, ...] = ()  # facts that make its obligation apply while it is on
    obligation: str = ""  # what it asks of a response, as guidance for the model

    @property
    def switchable(self) -> bool:
        return self.tier in (Tier.OPERATOR, Tier.USER)

    @property
    def unlock_level(self) -> Level:
        """The least power needed to move it away from its default."""
        return {Tier.HARD_LIMIT: Level.NOBODY, Tier.PROTECTION: Level.NOBODY,
                Tier.OPERATOR: Level.OPERATOR, Tier.USER: Level.USER}[self.tier]


class Catalog(BaseModel):
    """All behaviours, by id, in file order."""

    model_config = ConfigDict(frozen=True)

    behaviours: dict[str, Behaviour]

    def __contains__(self, behaviour_id: object) -> bool:
        return behaviour_id in self.behaviours

    def get(self, behaviour_id: str) -> Behaviour:
        try:
            return self.behaviours[behaviour_id]
        except KeyError:
            raise KeyError(f"unknown behaviour {behaviour_id!r}; known: {', '.join(self.behaviours)}") from None

    def ids(self) -> list[str]:
        return list(self.behaviours)

    def by_tier(self, tier: Tier) -> list[Behaviour]:
        return [b for b in self.behaviours.values() if b.tier == tier]

    def defaults(self) -> dict[str, bool]:
        return {b.id: b.default for b in self.behaviours.values()}


def parse_catalog(data: Any) -> Catalog:
    """Validate catalog data (a list of behaviour mappings)."""
    if not isinstance(data, list):
        raise CatalogError("catalog: expected a list of behaviours")
    behaviours: dict[str, Behaviour] = {}
    for i, raw in enumerate(data):
        try:
            b = Behaviour.model_validate(raw)
        except ValidationError as exc:
            raise CatalogError(f"catalog entry {i}: {exc}") from exc
        if b.id in behaviours:
            raise CatalogError(f"catalog: duplicate id {b.id!r}")
        if b.tier in (Tier.HARD_LIMIT, Tier.PROTECTION) and not b.default:
            raise CatalogError(f"catalog: {b.id} is a {b.tier.value} and must default to on")
        behaviours[b.id] = b
    return Catalog(behaviours=behaviours)


@cache
def load_catalog() -> Catalog:
    """The catalog shipped in the package (loaded once)."""
    text = resources.files("charter").joinpath("data/catalog.yaml").read_text(encoding="utf-8")
    return parse_catalog(yaml.safe_load(text))
