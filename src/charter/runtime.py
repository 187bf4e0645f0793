"""`Charter`: the library entry point that runs the stages in order.

request -> principals -> deployment (policy + system prompt) -> analysers -> decision
        -> compose -> generate (backend) -> review -> repair -> audit.

`assess` stops at the decision; `review` judges a response some model already wrote;
`respond` and `respond_stream` run the whole loop (module `respond`) with the configured
backend and write each turn to the audit store when one is given.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from time import perf_counter
from typing import TYPE_CHECKING, Any

from charter.analysers import Analyser, AnalysisContext, default_analysers
from charter.backends import Backend, BackendLike, Generation, resolve_backend
from charter.catalog import Catalog, load_catalog
from charter.decision import Decision, decide
from charter.deployment import Deployment, build_deployment
from charter.errors import ConversationError
from charter.judge import Judge
from charter.policy import Policy
from charter.principals import Conversation, parse_conversation
from charter.record import TurnRecord
from charter.respond import Turn, run_turn, stream_turn
from charter.review import Review, Reviewer
from charter.signals import Findings

if TYPE_CHECKING:
    from charter.audit import AuditStore

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

    def __init__(self, policy: PolicyLike = None, *, backend: BackendLike | None = None,
                 audit: AuditStore | None = None, generation: Generation | None = None, max_attempts: int = 3,
                 approvals: Any = None, judge: Judge | BackendLike | None = None,
                 analysers: Sequence[Analyser] | None = None, catalog: Catalog | None = None) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.policy = as_policy(policy)
        self.catalog = catalog or load_catalog()
        self.analysers: tuple[Analyser, ...] = tuple(analysers if analysers is not None else default_analysers())
        self.audit = audit
        self.approvals = approvals  # an agents.approvals.ApprovalStore: where tool calls wait for a person
        # The cascade's judge for requests the harm head is unsure of (none: the heads decide alone).
        self.judge: Judge | None = judge if isinstance(judge, Judge) or judge is None else Judge(judge)
        self.generation = generation or Generation()
        self.max_attempts = max_attempts
        self._backend_spec = backend
        self._backend: Backend | None = backend if isinstance(backend, Backend) else None
        self._reviewer: Reviewer | None = None
        self._lock = threading.Lock()

    @property
    def backend(self) -> Backend:
        """The backend that writes answers; built on first use (the embedded model loads only then)."""
        with self._lock:
            if self._backend is None:
                self._backend = resolve_backend(self._backend_spec)
            return self._backend

    @property
    def reviewer(self) -> Reviewer:
        with self._lock:
            if self._reviewer is None:
                self._reviewer = Reviewer()
            return self._reviewer

    def deployment(self, conversation: Conversation, policy: Policy | None = None) -> Deployment:
        """The operator context for a conversation: the policy plus the system prompt's words."""
        return build_deployment(policy if policy is not None else self.policy, conversation)

    def analyse(self, conversation: Conversation, deployment: Deployment) -> Findings:
        """Run every analyser and merge what they found."""
        ctx = AnalysisContext(conversation=conversation, deployment=deployment)
        findings = Findings()
        for analyser in self.analysers:
            findings.extend(analyser.analyse(ctx))
        if self.judge is not None:
            findings = self.judge.settle(conversation, findings)
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
        return self.reviewer.review(conversation, decision, response)

    def _turn(self, messages: Any, policy: PolicyLike, operator: str, generation: Generation | None) -> Turn:
        start = perf_counter()
        conversation = messages if isinstance(messages, Conversation) else parse_conversation(messages)
        effective = as_policy(policy) if policy is not None else self.policy
        deployment = self.deployment(conversation, effective)
        decision = decide(self.catalog, deployment, self.analyse(conversation, deployment))
        assess_ms = round((perf_counter() - start) * 1000, 3)
        decision.latency_ms = assess_ms
        turn = Turn(conversation=conversation, deployment=deployment, decision=decision, catalog=self.catalog,
                    backend=self.backend, reviewer=self.reviewer, options=generation or self.generation,
                    max_attempts=self.max_attempts, operator=operator, policy=effective,
                    approvals=self.approvals)
        turn.timings.assess_ms = assess_ms
        return turn

    def respond(self, messages: Any, *, policy: PolicyLike = None, operator: str = "default",
                generation: Generation | None = None) -> TurnRecord:
        """Answer ``messages``: decide, generate, review, repair, and record the turn.

        Returns the `TurnRecord` (``output`` is what the person reads). A backend failure is
        recorded (outcome ``failed``) and raised as `respond.TurnFailed`, a `BackendError`.
        """
        turn = self._turn(messages, policy, operator, generation)
        try:
            record = run_turn(turn)
        except Exception as exc:
            failed = getattr(exc, "record", None)
            if isinstance(failed, TurnRecord):
                self._write(failed)
            raise
        self._write(record)
        return record

    def respond_stream(self, messages: Any, *, policy: PolicyLike = None, operator: str = "default",
                       generation: Generation | None = None) -> ResponseStream:
        """Like `respond`, but the answer arrives in reviewed pieces; the record is ready when it ends.

        The decision is made here, before the first piece is asked for (``.decision``).
        """
        turn = self._turn(messages, policy, operator, generation)
        return ResponseStream(turn, self._write)

    def _write(self, record: TurnRecord) -> None:
        if self.audit is not None:
            self.audit.record(record)


class ResponseStream:
    """An answer in reviewed pieces. Iterate it for text; ``record`` is set once it has ended.

    Closing it early (or breaking out of the loop) records what was sent so far.
    """

    def __init__(self, turn: Turn, write: Callable[[TurnRecord], None]) -> None:
        self.decision = turn.decision
        self.turn_id = turn.id  # the audit id, known before the first piece
        self.record: TurnRecord | None = None
        self._write = write
        self._pieces = stream_turn(turn, self._finished)

    def _finished(self, record: TurnRecord) -> None:
        self.record = record
        self._write(record)

    def __iter__(self) -> Iterator[str]:
        return self._pieces

    def close(self) -> None:
        self._pieces.close()

    def __enter__(self) -> ResponseStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
