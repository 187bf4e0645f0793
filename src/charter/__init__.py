"""Charter: a constitution runtime for AI assistants.

    from charter import Charter, Policy
    decision = Charter(policy=Policy.load("acme.yaml")).assess(messages)
    turn = Charter(policy="acme.yaml", backend="embedded").respond(messages)
    verdict = charter.gate(tool_call, messages, policy=Policy.load("acme.yaml"))
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from charter.errors import CatalogError, CharterError, ConversationError, PolicyError

if TYPE_CHECKING:
    from charter.decision import Action, Decision
    from charter.policy import Policy
    from charter.record import TurnRecord
    from charter.runtime import Charter

__all__ = [
    "Action",
    "CatalogError",
    "Charter",
    "CharterError",
    "ConversationError",
    "Decision",
    "Policy",
    "PolicyError",
    "TurnRecord",
    "gate",
]
__version__ = "0.1.0"

# Imported on first use so that `import charter.principals` stays light.
_LAZY = {"Charter": "charter.runtime", "Policy": "charter.policy", "Decision": "charter.decision",
         "Action": "charter.decision", "TurnRecord": "charter.record", "gate": "charter.agents.gate"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'charter' has no attribute {name!r}")
