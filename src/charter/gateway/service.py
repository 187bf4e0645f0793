"""What every gateway route shares: who is calling, whether they may be served now, and a turn.

`Gateway` holds the stores (audit, operators, oversight controls), one `Charter` with the
configured backend, and the limits. Routes translate their API's request into messages and
`Generation` options, call `answer` or `stream`, and translate the `TurnRecord` back.

Trust comes only from the API key: the key selects the operator and its policy. Nothing in a
request body or header other than the key can act with operator authority.
"""

from __future__ import annotations

import hmac
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from charter import paths
from charter.agents.approvals import ApprovalStore
from charter.audit import AuditError, AuditStore
from charter.backends import Backend, BackendError, BackendTimeout, Generation, resolve_backend
from charter.errors import CharterError, ConversationError, PolicyError
from charter.gateway.errors import GatewayError
from charter.gateway.settings import GatewaySettings
from charter.operators import OperatorStore
from charter.oversight import Controls, ControlStore
from charter.policy import Policy
from charter.record import TurnRecord
from charter.respond import TurnFailed
from charter.runtime import Charter, ResponseStream

DEFAULT_OPERATOR = "default"


@dataclass(frozen=True)
class Caller:
    """The operator a request speaks for, decided by its API key alone."""

    operator: str
    policy: Policy | None


class Gateway:
    """The gateway's state and the steps every request goes through."""

    def __init__(self, settings: GatewaySettings, *, backend: Backend | None = None) -> None:
        self.settings = settings
        self.database_url = settings.database_url or paths.database_url()
        self.audit = AuditStore(self.database_url)
        self.operators = OperatorStore(self.database_url)
        self.control_store = ControlStore(self.database_url)
        self.approvals = ApprovalStore(self.database_url)
        self.controls = Controls(self.control_store, ttl_s=settings.control_ttl_s)
        self.backend = backend or resolve_backend(settings.backend, backends_file=settings.backends_file)
        self.default_policy = Policy.load(settings.default_policy) if settings.default_policy else None
        self.charter = Charter(backend=self.backend, audit=self.audit, max_attempts=settings.max_attempts,
                               approvals=self.approvals)
        self._slots = threading.BoundedSemaphore(settings.max_concurrency)
        self._lock = threading.Lock()
        self._policies: dict[str, tuple[datetime, Policy | None]] = {}
        self._keyed: tuple[float, bool] = (0.0, False)
        self.started = time.time()

    def close(self) -> None:
        self.audit.close()
        self.operators.close()
        self.control_store.close()
        self.approvals.close()

    # ------------------------------------------------------------------ who is calling

    def keys_required(self) -> bool:
        """True once any operator exists; re-read at most once a second so `operators add` applies live."""
        now = time.monotonic()
        with self._lock:
            at, keyed = self._keyed
            if now - at < 1.0:
                return keyed
        keyed = self.operators.count() > 0
        with self._lock:
            self._keyed = (now, keyed)
        return keyed

    def caller(self, headers: Mapping[str, str]) -> Caller:
        """The operator for a request's key (``Authorization: Bearer KEY`` or ``x-api-key: KEY``)."""
        key = _key_from(headers)
        if not self.keys_required():
            return Caller(DEFAULT_OPERATOR, self.default_policy)
        if not key:
            raise GatewayError(401, "missing API key: send 'Authorization: Bearer KEY' or 'x-api-key: KEY' "
                                    "(keys come from `charter operators add`)")
        operator = self.operators.by_key(key)
        if operator is None:
            raise GatewayError(401, "invalid API key")
        return Caller(operator.name, self._policy(operator.name, operator.updated_at, operator.policy_yaml))

    def is_admin(self, headers: Mapping[str, str]) -> bool:
        key = _key_from(headers)
        return bool(key) and self.operators.is_admin_key(key)

    def _policy(self, name: str, updated: datetime, text: str | None) -> Policy | None:
        """The operator's policy, parsed once per update (`operators set-policy` applies without a restart)."""
        with self._lock:
            cached = self._policies.get(name)
            if cached and cached[0] == updated:
                return cached[1]
        try:
            policy = Policy.from_yaml(text, file=f"operator {name!r} policy") if text else None
        except PolicyError as exc:  # validated when stored; a newer Charter may read it differently
            raise GatewayError(500, f"the policy stored for operator {name!r} no longer validates: {exc}") from exc
        with self._lock:
            self._policies[name] = (updated, policy)
        return policy

    # ------------------------------------------------------------------ may it be served

    def check_controls(self, operator: str) -> None:
        control = self.controls.state(operator)
        if control.state != "active":
            scope = "every operator" if control.scope == "*" else f"operator {operator!r}"
            why = f": {control.reason}" if control.reason else ""
            raise GatewayError(503, f"Charter is {control.state} for {scope}{why}", code=control.state)

    def stopped(self, operator: str) -> bool:
        return self.controls.state(operator).state == "stopped"

    @contextmanager
    def slot(self) -> Iterator[None]:
        """One of ``max_concurrency`` turns at a time; a request waits up to ``queue_timeout_s`` for one."""
        if not self._slots.acquire(timeout=self.settings.queue_timeout_s):
            raise GatewayError(503, f"the gateway is at its limit of {self.settings.max_concurrency} concurrent "
                                    f"turns; retry shortly")
        try:
            yield
        finally:
            self._slots.release()

    def check_messages(self, messages: Any, *, field: str = "messages") -> None:
        if not isinstance(messages, list) or not messages:
            raise GatewayError(400, f"'{field}' must be a non-empty array", param=field)
        if len(messages) > self.settings.max_messages:
            raise GatewayError(400, f"'{field}' has {len(messages)} messages; this gateway accepts at most "
                                    f"{self.settings.max_messages}", param=field)

    def generation(self, *, max_tokens: Any, temperature: Any, seed: Any) -> Generation:
        tokens = 512 if max_tokens is None else max_tokens
        if not isinstance(tokens, int) or isinstance(tokens, bool) or tokens < 1:
            raise GatewayError(400, "'max_tokens' must be a positive integer", param="max_tokens")
        if tokens > self.settings.max_tokens_cap:
            raise GatewayError(400, f"'max_tokens' is {tokens}; this gateway allows at most "
                                    f"{self.settings.max_tokens_cap}", param="max_tokens")
        temp = 0.7 if temperature is None else temperature
        if not isinstance(temp, int | float) or isinstance(temp, bool) or not 0 <= temp <= 2:
            raise GatewayError(400, "'temperature' must be a number from 0 to 2", param="temperature")
        if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
            raise GatewayError(400, "'seed' must be an integer", param="seed")
        return Generation(max_tokens=tokens, temperature=float(temp), seed=seed,
                          timeout_s=self.settings.backend_timeout_s)

    # ------------------------------------------------------------------ turns

    def answer(self, caller: Caller, messages: Any, options: Generation) -> TurnRecord:
        """A whole answer, recorded before it is returned (or an error, and nothing returned)."""
        self.check_controls(caller.operator)
        with self.slot():
            try:
                return self.charter.respond(messages, policy=caller.policy, operator=caller.operator,
                                            generation=options)
            except TurnFailed as exc:
                raise backend_error(exc) from exc
            except ConversationError as exc:
                raise GatewayError(400, str(exc), param=exc.where or None) from exc
            except AuditError as exc:
                raise GatewayError(500, f"the turn could not be recorded, so it is not returned: {exc}") from exc

    def open_stream(self, caller: Caller, messages: Any, options: Generation) -> ResponseStream:
        """Decide now (so bad input fails before any byte is sent); pieces come from iterating it."""
        self.check_controls(caller.operator)
        try:
            return self.charter.respond_stream(messages, policy=caller.policy, operator=caller.operator,
                                               generation=options)
        except ConversationError as exc:
            raise GatewayError(400, str(exc), param=exc.where or None) from exc

    def pieces(self, caller: Caller, stream: ResponseStream) -> Iterator[tuple[str, str | None]]:
        """(text, None) per reviewed piece, then ("", end) where end is None, "stopped" or an error message.

        Holds a concurrency slot while it runs and checks the oversight controls between pieces:
        `charter stop` ends the stream cleanly (the turn is recorded with what was sent).
        """
        with self.slot():
            try:
                pieces = iter(stream)
                while True:
                    # Checked before the next piece is drawn: a piece drawn is a piece the client gets,
                    # so the record of what was sent stays true when a stop cuts the stream.
                    if self.stopped(caller.operator):
                        stream.close()
                        yield "", "stopped"
                        return
                    piece = next(pieces, None)
                    if piece is None:
                        break
                    yield piece, None
            except TurnFailed as exc:
                yield "", backend_error(exc).message
                return
            except AuditError as exc:
                yield "", f"the turn could not be recorded: {exc}"
                return
            except CharterError as exc:
                yield "", str(exc)
                return
        yield "", None


def backend_error(exc: TurnFailed) -> GatewayError:
    """A failed backend as 504 (timed out) or 502 (anything else), naming the backend."""
    if isinstance(exc.cause, BackendTimeout):
        return GatewayError(504, f"the backend {exc.backend!r} timed out: {exc.problem} (turn {exc.record.id} "
                                 "recorded as failed)")
    if isinstance(exc.cause, BackendError):
        return GatewayError(502, f"the backend {exc.backend!r} failed: {exc.problem} (turn {exc.record.id} "
                                 "recorded as failed)")
    return GatewayError(502, str(exc))


def _key_from(headers: Mapping[str, str]) -> str:
    auth = headers.get("authorization", "")
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip()
    return headers.get("x-api-key", "").strip()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def charter_object(record: TurnRecord) -> dict[str, Any]:
    """The `charter` object every answer carries beside the API's own fields."""
    d = record.decision
    return {
        "audit_id": record.id,
        "operator": record.operator,
        "action": d.action.value,
        "hard_limit": d.hard_limit,
        "obligations": d.obligations,
        "reasons": [r.model_dump(mode="json") for r in d.reasons],
        "outcome": record.outcome.value,
        "review": ({"verdict": record.review.verdict.value, "violations": record.review.violations,
                    "refusal": record.review.refusal.value} if record.review else None),
        "repairs": [{"kind": r.kind.value, "rules": r.rules, "text": r.text} for r in record.repairs],
        "attempts": len(record.attempts),
        "tool_calls": [{"id": g.call.id, "name": g.call.name, "action": g.decision.action.value,
                        "rule": g.decision.rule, "reasons": [r.text for r in g.decision.reasons],
                        "approval_id": g.approval_id} for g in record.tool_calls],
        "latency_ms": {"total": record.timings.total_ms, "charter": record.timings.charter_ms,
                       "backend": record.timings.generate_ms},
    }


def estimate_tokens(text: str) -> int:
    """A rough token count (4 characters a token) for the usage fields; Charter does not tokenise."""
    return max(1, (len(text) + 3) // 4) if text else 0
