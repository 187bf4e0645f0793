"""Analysers: each reads a conversation and reports what it found, never what to do.

Analysers register themselves with `@register`; third-party packages add theirs through
the ``charter.analysers`` entry-point group (the entry point names a class). The
pipeline asks `default_analysers()` for one instance of each, in a stable order, so a
trained model can replace a first-version heuristic by registering under the same name.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from importlib.metadata import entry_points
from typing import ClassVar, Protocol, TypeVar, cast, runtime_checkable

from pydantic import BaseModel, ConfigDict

from charter.deployment import Deployment
from charter.principals import Conversation
from charter.signals import Findings

ENTRY_POINT_GROUP = "charter.analysers"

# Charter's own analysers, imported explicitly (no directory scanning).
BUILTIN_MODULES: tuple[str, ...] = (
    "charter.analysers.switches",
    "charter.analysers.authority",
    "charter.analysers.identity",
    "charter.analysers.crisis",
    "charter.analysers.scope",
    "charter.analysers.harm",
    "charter.analysers.topics",
    "charter.analysers.injection",
    "charter.analysers.learned",  # trained heads; replaces harm and crisis by name
)


class AnalysisContext(BaseModel):
    """What every analyser sees: the parsed conversation and the deployment."""

    model_config = ConfigDict(frozen=True)

    conversation: Conversation
    deployment: Deployment


@runtime_checkable
class Analyser(Protocol):
    """Reads a conversation, returns findings. Must be pure and thread-safe."""

    name: ClassVar[str]

    def analyse(self, ctx: AnalysisContext) -> Findings: ...


A = TypeVar("A", bound=type[Analyser])

_registry: dict[str, type[Analyser]] = {}


def register(cls: A) -> A:
    """Class decorator: make an analyser available under ``cls.name``.

    A later registration under the same name replaces the earlier one, which is how a
    trained analyser supersedes a heuristic without touching the pipeline.
    """
    _registry[cls.name] = cls
    return cls


def registered() -> dict[str, type[Analyser]]:
    """All analyser classes by name: Charter's own, then entry points (which may replace them)."""
    for module in BUILTIN_MODULES:
        import_module(module)  # each registers itself; a second import is a dictionary lookup
    # Charter's own in BUILTIN_MODULES order whatever imported them first, then others as registered.
    rank = {module: i for i, module in enumerate(BUILTIN_MODULES)}
    found = dict(sorted(_registry.items(), key=lambda kv: rank.get(kv[1].__module__, len(rank))))
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        loaded: object = ep.load()
        if not (isinstance(loaded, type) and isinstance(getattr(loaded, "name", None), str)
                and callable(getattr(loaded, "analyse", None))):
            raise TypeError(f"entry point {ep.name!r} in group {ENTRY_POINT_GROUP} does not name an analyser "
                            "class (one with a 'name' string and an 'analyse' method)")
        plugin = cast("type[Analyser]", loaded)
        found[plugin.name] = plugin
    return found


def default_analysers(factory: Callable[[type[Analyser]], Analyser] | None = None) -> list[Analyser]:
    """One instance of every registered analyser, in registration order."""
    make = factory or (lambda cls: cls())
    return [make(cls) for cls in registered().values()]
