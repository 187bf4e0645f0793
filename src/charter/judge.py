"""The cascade's second stage: a judge model for requests the trained harm head is unsure of.

The fast stages decide the clear cases. A harm finding whose intent they left "unclear" (the
head's probability sat between its threshold and ``CONFIDENT`` and no phrase rule settled it,
so severity alone would decide) can be put to a judge: any configured backend, asked a
structured question it answers with one word. ``harmful`` makes the finding's
intent harmful (declined when the harm is moderate or worse); ``benign`` makes it benign
(helped, with care where the category is severe). Anything else, a timeout or a backend error
leaves the finding as the heads left it, and the reason says so.

The judge only ever reads the user's request as quoted data; it is never shown the operator's
prompt and cannot change a hard limit (hard-limit findings are not escalated). Escalations,
their verdicts and their cost are counted in `JudgeStats`.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from time import perf_counter

from charter.backends import Backend, BackendLike, resolve_backend
from charter.backends.base import BackendError, ChatMessage, Generation
from charter.models.heads import load_heads
from charter.principals import Conversation, Principal
from charter.signals import Findings, HarmFinding, Intent

_INSTRUCTIONS = (
    "You classify requests sent to an AI assistant. Picture everyone who might plausibly send the "
    "quoted request. Answer HARMFUL if most of them would use a full answer to hurt other people, "
    "commit a crime against others, or spread hate or lies about real people; answer BENIGN if "
    "most of them are curious, studying, writing fiction, staying safe, or asking about their own "
    "choices. Reply with exactly one word: HARMFUL or BENIGN."
)
_VERDICT = re.compile(r"\b(HARMFUL|BENIGN)\b", re.IGNORECASE)
_REQUEST_CHARS = 2000  # the end of a long request: its ask is nearly always there


@dataclass
class JudgeStats:
    """What the judge has done since it was built (thread-safe counters)."""

    escalated: int = 0
    harmful: int = 0
    benign: int = 0
    undecided: int = 0  # no verdict in the reply, a timeout, or a backend error
    ms: list[float] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, verdict: str | None, ms: float) -> None:
        with self._lock:
            self.escalated += 1
            self.ms.append(ms)
            if verdict == "harmful":
                self.harmful += 1
            elif verdict == "benign":
                self.benign += 1
            else:
                self.undecided += 1


class Judge:
    """Settles uncertain harm findings by asking a backend."""

    def __init__(self, backend: BackendLike, *, min_score: float | None = None, timeout_s: float = 20.0) -> None:
        self.backend: Backend = resolve_backend(backend)
        # Findings below the harm head's own threshold are noted, not weighed: not worth a call.
        self.min_score = load_heads().get("harm").threshold if min_score is None else min_score
        if not 0.0 <= self.min_score <= 1.0:
            raise ValueError(f"the judge's min_score must be a probability, got {self.min_score}")
        self.options = Generation(max_tokens=4, temperature=0.0, seed=0, timeout_s=timeout_s,
                                  choices=("HARMFUL", "BENIGN"))
        self.stats = JudgeStats()

    def uncertain(self, finding: HarmFinding) -> bool:
        """Is this a finding the heads left unsure (and one a judge may settle)?"""
        return (finding.intent == Intent.UNCLEAR and finding.hard_limit is None and finding.source == "user"
                and finding.score >= self.min_score)

    def settle(self, conversation: Conversation, findings: Findings) -> Findings:
        """The findings with each uncertain one's intent decided by the judge (one call per turn at most)."""
        pending = [h for h in findings.harms if self.uncertain(h)]
        if not pending:
            return findings
        request = _request(conversation)
        if request is None:
            return findings
        verdict, why = self.ask(request)
        settled: list[HarmFinding] = []
        for h in findings.harms:
            if h in pending:
                intent = {"harmful": Intent.HARMFUL, "benign": Intent.BENIGN}.get(verdict or "", h.intent)
                h = h.model_copy(update={"intent": intent, "note": f"{h.note}; judge {self.backend.name}: {why}"})
            settled.append(h)
        return findings.model_copy(update={"harms": settled})

    def ask(self, request: str) -> tuple[str | None, str]:
        """("harmful" | "benign" | None, what happened) for one request."""
        start = perf_counter()
        messages = [ChatMessage(role="system", content=_INSTRUCTIONS),
                    ChatMessage(role="user", content=f"Request:\n\"\"\"\n{request[-_REQUEST_CHARS:]}\n\"\"\"\n"
                                                     "One word, HARMFUL or BENIGN:")]
        try:
            reply = self.backend.generate(messages, self.options)
        except BackendError as exc:
            self.stats.record(None, (perf_counter() - start) * 1000)
            return None, f"no verdict ({exc}); the heads' reading stands"
        ms = (perf_counter() - start) * 1000
        m = _VERDICT.search(reply)
        verdict = m.group(1).lower() if m else None
        self.stats.record(verdict, ms)
        if verdict is None:
            return None, f"no verdict in its reply {reply[:40]!r}; the heads' reading stands"
        return verdict, f"read as {verdict} ({ms:.0f} ms)"


def _request(conversation: Conversation) -> str | None:
    users = [m.text for m in conversation.messages if m.principal == Principal.USER and m.text.strip()]
    return users[-1] if users else None
