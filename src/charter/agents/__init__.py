"""Agents: Charter between a model and its tools.

`gate` decides every tool call: ``allow``, ``confirm`` (a person must approve it first) or
``block``, with reasons, from the tool's declared effect, the operator's grants, taint (did
the call or its arguments come from instructions found in non-principal content?) and the
injection signals. `approvals` keeps the calls waiting for a person. `tools` holds the effect
classes an operator declares (the policy file imports it, so this package stays light).
"""

from __future__ import annotations

from typing import Any

__all__ = ["Effect", "Gate", "GateAction", "GateDecision", "ToolRule", "gate"]

_LAZY = {"Effect": "charter.agents.tools", "ToolRule": "charter.agents.tools", "Gate": "charter.agents.gate",
         "GateAction": "charter.agents.gate", "GateDecision": "charter.agents.gate", "gate": "charter.agents.gate"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'charter.agents' has no attribute {name!r}")
