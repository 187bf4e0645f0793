"""The harm taxonomy: the categories Charter reports, loaded from ``data/categories.yaml``.

Each category names the MLCommons / Llama Guard 3 hazard it maps to (so results can be
compared with benchmarks labelled in that taxonomy), the severity of operational help in
it, and the catalog hard limit such help would reach, if any. The file is validated once
against the behaviour catalog: a category may only point at a real hard limit.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from charter.catalog import Catalog, Tier, load_catalog
from charter.errors import CatalogError
from charter.signals import Severity

# The MLCommons hazard taxonomy as Llama Guard 3 numbers it: code -> name.
MLCOMMONS_HAZARDS: dict[str, str] = {
    "S1": "Violent Crimes",
    "S2": "Non-Violent Crimes",
    "S3": "Sex-Related Crimes",
    "S4": "Child Sexual Exploitation",
    "S5": "Defamation",
    "S6": "Specialized Advice",
    "S7": "Privacy",
    "S8": "Intellectual Property",
    "S9": "Indiscriminate Weapons",
    "S10": "Hate",
    "S11": "Suicide & Self-Harm",
    "S12": "Sexual Content",
    "S13": "Elections",
    "S14": "Code Interpreter Abuse",
}


class HarmCategory(BaseModel):
    """One harm category: its id, names, default severity and hard limit."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str = Field(min_length=1)
    mlcommons: str = Field(pattern=r"^S\d+ \S.*$")  # e.g. "S1 Violent Crimes"
    description: str = Field(min_length=1)
    severity: Severity  # written by name in the file: minor … catastrophic
    hard_limit: str | None = None

    @field_validator("mlcommons")
    @classmethod
    def _known_hazard(cls, value: str) -> str:
        code, _, name = value.partition(" ")
        if MLCOMMONS_HAZARDS.get(code) != name:
            known = "; ".join(f"{c} {n}" for c, n in MLCOMMONS_HAZARDS.items())
            raise ValueError(f"unknown MLCommons hazard {value!r}; expected one of: {known}")
        return value

    @property
    def mlcommons_code(self) -> str:
        """The hazard's code alone, e.g. "S9"."""
        return self.mlcommons.split(" ", 1)[0]

    @field_validator("severity", mode="before")
    @classmethod
    def _severity_by_name(cls, value: Any) -> Any:
        # The file names severities; the model keeps the ordered enum the weighing needs.
        if isinstance(value, str):
            try:
                severity = Severity[value.strip().upper()]
                if severity is Severity.NONE:
                    raise KeyError(value)  # a category with no harm is not a harm category
                return severity
            except KeyError:
                names = ", ".join(s.name.lower() for s in Severity if s != Severity.NONE)
                raise ValueError(f"unknown severity {value!r}; expected one of {names}") from None
        return value


def parse_categories(data: Any, catalog: Catalog | None = None) -> dict[str, HarmCategory]:
    """Validate category data (a list of mappings) against the behaviour catalog."""
    if not isinstance(data, list):
        raise CatalogError("categories: expected a list of categories")
    catalog = catalog or load_catalog()
    limits = {b.id for b in catalog.by_tier(Tier.HARD_LIMIT)}
    out: dict[str, HarmCategory] = {}
    for i, raw in enumerate(data):
        try:
            category = HarmCategory.model_validate(raw)
        except ValidationError as exc:
            raise CatalogError(f"category entry {i}: {exc}") from exc
        if category.id in out:
            raise CatalogError(f"categories: duplicate id {category.id!r}")
        if category.hard_limit is not None and category.hard_limit not in limits:
            raise CatalogError(
                f"categories: {category.id} names hard limit {category.hard_limit!r}, which is not a "
                f"hard_limit in the catalog (known: {', '.join(sorted(limits))})")
        out[category.id] = category
    return out


@cache
def load_categories() -> dict[str, HarmCategory]:
    """The categories shipped in the package, by id, in file order (loaded once)."""
    text = resources.files("charter").joinpath("data/categories.yaml").read_text(encoding="utf-8")
    return parse_categories(yaml.safe_load(text))
