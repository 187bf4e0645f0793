"""Helpers shared by the analyser tests: build a conversation from plain turns and run one analyser."""

from __future__ import annotations

from typing import Any

from charter.analysers import Analyser, AnalysisContext
from charter.deployment import Deployment
from charter.principals import Conversation, parse_openai
from charter.signals import Findings


def conversation(*turns: str, system: str | None = None) -> Conversation:
    """User and assistant turns alternate, starting with the user; an optional system prompt first."""
    messages: list[dict[str, Any]] = []
    if system is not None:
        messages.append({"role": "system", "content": system})
    for i, text in enumerate(turns):
        messages.append({"role": "user" if i % 2 == 0 else "assistant", "content": text})
    return parse_openai(messages)


def run(analyser: Analyser, *turns: str, system: str | None = None,
        deployment: Deployment | None = None) -> Findings:
    """Run one analyser over plain turns under a deployment (the default one if none)."""
    ctx = AnalysisContext(conversation=conversation(*turns, system=system), deployment=deployment or Deployment())
    return analyser.analyse(ctx)


def score(findings: Findings, signal_id: str) -> float:
    """The strongest score for a signal id, or 0.0 when it was not reported."""
    found = findings.signal(signal_id)
    return found.score if found else 0.0
