"""`Charter`: the library entry point that runs the stages in order.

request -> principals -> deployment (policy + system prompt) -> analysers -> decision.
Generation, review and audit come later in the data flow and are added by their own
modules; `assess` stops at the decision.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from time import perf_counter
from typing import Any

from charter.analysers import Analyser, AnalysisContext, default_analysers
from charter.catalog import Catalog, load_catalog
from charter.decision import Decision, decide
from charter.deployment import Deployment, build_deployment
from charter.errors import ConversationError
from charter.policy import Policy
from charter.principals import Conversation, parse_conversation
from charter.review import Review, Reviewer
from charter.signals import Findings

PolicyLike = Policy | str | os.PathLike[str] | Mapping[str, Any] | None


def as_policy(policy: PolicyLike) -> Policy | None:
    """Accept a Policy, a path to a YAML policy file, or a policy mapping."""
    if policy is None or isinstance(policy, Policy):
        return policy
    if isinstance(policy, Mapping):
        return Policy.from_mapping(policy)
    return Policy.load(policy)


class Charter:
    """Decides how an assistant should respond, for one operator policy.

    ``Charter(policy="acme.yaml").assess(messages)`` returns a `Decision`. An instance is
    immutable after construction and safe to share between threads.
    """

    def __init__(self, policy: PolicyLike = None, *, analysers: Sequence[Analyser] | None = None,
                 catalog: Catalog | None = None) -> None:
        self.policy = as_policy(policy)
        self.catalog = catalog or load_catalog()
        self.analysers: tuple[Analyser, ...] = tuple(analysers if analysers is not None else default_analysers())
        self._reviewer: Reviewer | None = None

    def deployment(self, conversation: Conversation, policy: Policy | None = None) -> Deployment:
        """The operator context for a conversation: the policy plus the system prompt's words."""
        return build_deployment(policy if policy is not None else self.policy, conversation)

    def analyse(self, conversation: Conversation, deployment: Deployment) -> Findings:
        """Run every analyser and merge what they found."""
        ctx = AnalysisContext(conversation=conversation, deployment=deployment)
        findings = Findings()
        for analyser in self.analysers:
            findings.extend(analyser.analyse(ctx))
        return findings

    def prepare(self, batch: Sequence[tuple[Conversation, Policy | None]]) -> float:
        """Let analysers do batched work (e.g. encode many turns at once) before `assess` runs.

        Optional: analysers with a ``prepare(contexts)`` method use it to fill their caches.
        Returns the seconds spent, so callers can attribute a fair share to each decision.
        """
        start = perf_counter()
        contexts = [AnalysisContext(conversation=c, deployment=self.deployment(c, p)) for c, p in batch]
        for analyser in self.analysers:
            hook = getattr(analyser, "prepare", None)
            if callable(hook):
                hook(contexts)
        return perf_counter() - start

    def assess(self, messages: Any, *, policy: PolicyLike = None, id: str | None = None,
               extra_ms: float = 0.0) -> Decision:
        """Decide, without generating, how to respond to ``messages``.

        ``messages`` is an OpenAI ``messages`` array, an Anthropic ``{"system", "messages"}``
        mapping, or a parsed `Conversation`. ``policy`` overrides the instance's policy for
        this call; ``extra_ms`` adds this decision's share of batched `prepare` work to its
        ``latency_ms``. Raises `ConversationError` or `PolicyError` on bad input.
        """
        start = perf_counter()
        conversation = messages if isinstance(messages, Conversation) else parse_conversation(messages)
        effective = as_policy(policy) if policy is not None else self.policy
        deployment = self.deployment(conversation, effective)
        decision = decide(self.catalog, deployment, self.analyse(conversation, deployment))
        decision.id = id
        decision.latency_ms = round((perf_counter() - start) * 1000 + extra_ms, 3)
        return decision

    def review(self, messages: Any, response: str, *, policy: PolicyLike = None, id: str | None = None) -> Review:
        """Judge ``response`` (already written by some model) against the decision for ``messages``."""
        if not isinstance(response, str):
            raise ConversationError("response", f"expected a string, got {type(response).__name__}")
        conversation = messages if isinstance(messages, Conversation) else parse_conversation(messages)
        decision = self.assess(conversation, policy=policy, id=id)
        if self._reviewer is None:
            self._reviewer = Reviewer()
        return self._reviewer.review(conversation, decision, response)
