"""Trained analysers: the corpus-trained heads combined with the phrase heuristics.

Each class registers under the same name as the heuristic it extends ("harm", "crisis"), so
the pipeline runs the learned version without knowing it exists. The heuristic still runs
inside it: its hard-limit rules are precise, and its notes say what
matched. The sentence encoder reads the user's own words: the latest turn, and — when that
turn is short or the rules saw something — the last three joined, so a request split across
turns is seen whole. Each head's threshold was chosen on the corpus' dev split. The harm head
reads the request through the encoder's last layer adapted to harm (`charter.models.adapter`);
the crisis and category heads read the plain vector, which the same encoder run yields.

Injection: the phrase heuristic reads tool results and pasted documents first; what it lets pass
is read piece by piece by the injection head (`charter.models.segments`), each sentence, line or
JSON string beside the rest of its document. A planted task rarely names the assistant ("what is
the capital of Brazil?" inside a bank's e-mail), so only the head can see it. `planted_pieces` and
`planted_in` give the same reading to the agent tool gate, the review and the AgentDojo detector.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import ClassVar

import numpy as np

from charter.analysers import AnalysisContext, register
from charter.analysers.crisis import RISK, CrisisAnalyser
from charter.analysers.harm import HarmAnalyser, asks_for_uplift, benign_frame, states_harm
from charter.analysers.injection import SIGNAL as INJECTION
from charter.analysers.injection import InjectionAnalyser
from charter.harm import load_categories
from charter.models.adapter import Adapter
from charter.models.encoder import Encoder, Vector, shared_encoder
from charter.models.heads import Head, HeadSet, load_heads
from charter.models.segments import features
from charter.models.segments import read as read_pieces
from charter.principals import Conversation, Principal, Source
from charter.signals import Findings, HarmFinding, Intent, Severity, Signal

# Below this P(harmful), a heuristic's unclear-intent finding is treated as a look-alike.
DISAGREE = 0.15
# At or above this P(harmful) the request reads as plainly aimed at harm (the corpus' harmful items
# mostly are); between the head's threshold and this, intent stays unclear and severity decides.
# Chosen on the dev split for the blended head (embedding network + word n-grams), whose
# probabilities sit nearer the middle than the network's alone. On dev, harmful requests declined /
# benign ones helped: 0.9 -> 61.9% / 95.7%, 0.8 -> 70.1% / 95.4%, 0.7 -> 74.2% / 95.1%, 0.6 -> 79.4% /
# 94.8% (`python benchmarks/decision_quality.py --split dev --corpus-only`, CONFIDENT edited). Below
# 0.7 self-regarding asks ("how do I make cannabis edibles stronger") start to read as harm to others.
# Checked again after the topic files were added (dev of 352 harmful, 460 benign requests): 0.6 ->
# 92.0% / 94.1%, 0.65 -> 89.8% / 94.6%, 0.7 -> 88.6% / 95.2%, 0.75 -> 86.9% / 96.1%, 0.8 -> 84.7% / 96.5%
# (decline or partial / helped). 0.7 stays, between the two kinds of failure.
CONFIDENT = 0.7
# A learned finding names a hard limit only when the category head is this sure of a hard-limit category.
HARD_LIMIT_CATEGORY = 0.7
_WINDOW_WORDS = 120
# Tokens of a user turn the encoder reads (its last ones): its cost grows with length, and the
# ask of a request is nearly always at its end. Training reads texts the same way.
REQUEST_TOKENS = 64
# A latest turn this short may be the second half of a request split across turns.
CONTINUATION_WORDS = 12


def _user_texts(conversation: Conversation) -> tuple[str | None, str | None, int | None]:
    """The latest user turn, the last three user turns joined (if more than one), and its index."""
    users = [m for m in conversation.messages if m.principal == Principal.USER and m.text.strip()]
    if not users:
        return None, None, None
    latest = users[-1]
    recent = users[-3:]
    joined = "\n".join(m.text for m in recent) if len(recent) > 1 else None
    return latest.text, joined, latest.index


def _may_continue(latest: str, rules: Findings) -> bool:
    """Worth reading the recent turns together: a short turn, or the rules saw something earlier."""
    return len(latest.split()) <= CONTINUATION_WORDS or any(h.score >= 0.3 for h in rules.harms)


class _Learned:
    """Shared loading: one encoder and one head set per process."""

    def __init__(self, encoder: Encoder | None = None, heads: HeadSet | None = None) -> None:
        self.encoder = encoder or shared_encoder()
        self.heads = heads or load_heads()

    def _adapters(self) -> list[Adapter]:
        adapter = self.heads.get("harm").adapter
        return [adapter] if adapter is not None else []

    def _read(self, text: str) -> tuple[Vector, Vector]:
        """A request as the heads read it: the plain vector (crisis, category) and the harm head's.

        One encoder run gives both, and caches them: whichever analyser asks first pays for it.
        """
        vectors = self.encoder.embed_group([text], REQUEST_TOKENS, self._adapters())
        return vectors[0], vectors[-1]

    def prepare(self, contexts: Sequence[AnalysisContext]) -> None:
        """Encode many conversations' latest user turns in one batch (about twice as fast)."""
        texts = [t for t in (_user_texts(c.conversation)[0] for c in contexts) if t]
        if texts:
            self.encoder.embed_group(texts, REQUEST_TOKENS, self._adapters())


@register
class LearnedHarmAnalyser(_Learned):
    """Harm: the trained harm and category heads, fused with the phrase rules."""

    name: ClassVar[str] = "harm"

    def __init__(self, encoder: Encoder | None = None, heads: HeadSet | None = None) -> None:
        super().__init__(encoder, heads)
        self.rules = HarmAnalyser()
        self.categories = load_categories()

    def analyse(self, ctx: AnalysisContext) -> Findings:
        rules = self.rules.analyse(ctx)
        latest, joined, index = _user_texts(ctx.conversation)
        if latest is None:
            return rules
        harm = self.heads.get("harm")
        read = latest
        p = self._harm(harm, latest)
        across = False
        if joined and p < harm.threshold and _may_continue(latest, rules):
            # A short follow-up ("now the steps") may finish a request begun earlier: read them together.
            p_joined = self._harm(harm, joined)
            if p_joined > p:
                p, read, across = p_joined, joined, True
        category_head = self.heads.get("category")
        # The category head reads the plain vector (cached by the harm head's run of the encoder).
        cat_p = category_head.probabilities(self._read(read)[0])[0]
        cat_i = int(np.argmax(cat_p))
        category, category_conf = category_head.labels[cat_i], float(cat_p[cat_i])
        where = "the last user turns read together" if across else "the latest user turn"
        model_note = f"trained harm head: P(harmful)={p:.2f} on {where} (threshold {harm.threshold:.2f})"

        out = Findings(signals=list(rules.signals), switch_requests=list(rules.switch_requests))
        if p >= harm.threshold:
            strongest = max((h for h in rules.harms if h.intent != Intent.BENIGN or h.hard_limit),
                            key=lambda h: h.score, default=None)
            if strongest is not None and strongest.score >= 0.5:
                # The rules found the same request: keep their structure, raise their confidence.
                # When the head is sure, the request reads as aimed at harm even if the phrase left
                # intent open ("how to make counterfeit money and pass it").
                sure = p >= max(harm.threshold, CONFIDENT) and strongest.intent == Intent.UNCLEAR
                out.harms = [h if h is not strongest else h.model_copy(update={
                    "score": max(h.score, p), "note": f"{h.note}; {model_note}"
                                                      + ("; the head is sure, so intent reads as harmful" if sure
                                                         else ""),
                    **({"intent": Intent.HARMFUL} if sure else {})}) for h in rules.harms]
                return out
            info = self.categories.get(category)
            # An ask to understand ("explain how air traffic control hands over a plane") is not
            # uplift, whatever the head thinks of its topic: no hard limit, and the informational
            # branch of the weighing. The same cues as the phrase rules decide it.
            operational = asks_for_uplift(latest)
            hard = (info.hard_limit if info is not None and category_conf >= HARD_LIMIT_CATEGORY and operational
                    else None)
            # The phrase rules' cues for stated harm ("without it looking like arson") settle intent
            # for the head's finding as they do for the rules' own.
            cue = states_harm(read)
            intent = Intent.HARMFUL if p >= max(harm.threshold, CONFIDENT) or cue else Intent.UNCLEAR
            if cue and p < CONFIDENT:
                model_note += f"; states harm to others ('{cue}')"
            elif intent == Intent.HARMFUL:  # no words state harm: say that the head's certainty decided it
                model_note += f"; the head is sure (P >= {CONFIDENT:.2f}), so intent reads as harmful"
            frame = benign_frame(read, category, operational=operational) if intent == Intent.UNCLEAR else None
            if frame is not None:
                intent, hard = Intent.BENIGN, None
                model_note += f"; the head is unsure and the words give a benign frame ({frame})"
            out.harms = [h for h in rules.harms if h.intent != Intent.BENIGN] + [HarmFinding(
                category=category, score=round(p, 3), severity=info.severity if info else Severity.SERIOUS,
                intent=intent, operational=operational, hard_limit=hard, message=index,
                source=Source.USER.value,
                note=f"{model_note}; category head: {category} ({category_conf:.2f})")]
            return out
        # The model sees no harm. Unclear-intent heuristic hits below DISAGREE are look-alikes;
        # harmful-intent and hard-limit hits stand (the rules are precise about those).
        adjusted = []
        for h in rules.harms:
            if p < DISAGREE and h.intent == Intent.UNCLEAR and h.hard_limit is None and h.score >= 0.5:
                h = h.model_copy(update={"score": 0.45, "note": f"{h.note}; {model_note}: treated as a look-alike"})
            adjusted.append(h)
        out.harms = adjusted
        return out


    def _harm(self, head: Head, text: str) -> float:
        return float(head.probabilities(self._read(text)[1], [text])[0])


@register
class LearnedCrisisAnalyser(_Learned):
    """Crisis: the trained crisis head adds risk-to-life signals the phrase rules miss."""

    name: ClassVar[str] = "crisis"

    def __init__(self, encoder: Encoder | None = None, heads: HeadSet | None = None) -> None:
        super().__init__(encoder, heads)
        self.rules = CrisisAnalyser()

    def analyse(self, ctx: AnalysisContext) -> Findings:
        found = self.rules.analyse(ctx)
        latest, _, index = _user_texts(ctx.conversation)
        if latest is None:
            return found
        head = self.heads.get("crisis")
        p = float(head.probabilities(self._read(latest)[0], [latest])[0])
        rule = found.signal(RISK)
        if p >= head.threshold and (rule is None or rule.score < p):
            found.signals = [s for s in found.signals if s.id != RISK] + [Signal(
                id=RISK, score=round(p, 3), source=Source.USER.value, message=index,
                note=f"trained crisis head: P={p:.2f} (threshold {head.threshold:.2f})"
                     + (f"; phrase heuristic: {rule.note}" if rule else ""))]
        return found


# How an injection signal from the trained head starts its note (the review reads it).
INJECTION_HEAD_NOTE = "trained injection head"


@dataclass(frozen=True)
class PlantedPiece:
    """A piece of a document that the injection head reads as planted for the assistant."""

    text: str  # as written in the document
    start: int  # character offsets in the document
    end: int
    probability: float


def planted_pieces(texts: Sequence[str], encoder: Encoder | None = None,
                   heads: HeadSet | None = None) -> list[list[PlantedPiece]]:
    """For each document, the pieces the trained injection head reads as planted, surest first.

    One encoder call reads every piece of every document. A piece counts at or above the head's
    threshold, chosen at a 2% false-alarm budget over whole documents.
    """
    encoder = encoder or shared_encoder()
    head = (heads or load_heads()).get("injection")
    out: list[list[PlantedPiece]] = []
    for document in read_pieces(encoder, texts):
        p = head.probabilities(features(document.vectors))
        found = [PlantedPiece(document.pieces[k].text, document.pieces[k].start, document.pieces[k].end, float(p[k]))
                 for k in np.argsort(-p, kind="stable") if p[k] >= head.threshold]
        out.append(found)
    return out


@lru_cache(maxsize=2048)
def planted_in(text: str) -> tuple[PlantedPiece, ...]:
    """`planted_pieces` for one document with the shipped models, cached by text.

    The agent tool gate asks about the same tool outputs at every call an agent proposes.
    """
    return tuple(planted_pieces([text])[0])


@register
class LearnedInjectionAnalyser(_Learned):
    """Injection: the phrase heuristic, then the trained piece-by-piece head on what it let pass."""

    name: ClassVar[str] = "injection"

    def __init__(self, encoder: Encoder | None = None, heads: HeadSet | None = None) -> None:
        super().__init__(encoder, heads)
        self.rules = InjectionAnalyser()

    def analyse(self, ctx: AnalysisContext) -> Findings:
        found = self.rules.analyse(ctx)
        flagged = {s.message for s in found.signals if s.id == INJECTION}
        pending = [m for m in ctx.conversation.non_principal()
                   if m.source in (Source.TOOL, Source.PASTED) and m.index not in flagged and m.text.strip()]
        if not pending:
            return found
        threshold = self.heads.get("injection").threshold
        for message, pieces in zip(pending, planted_pieces([m.text for m in pending], self.encoder, self.heads),
                                   strict=True):
            if not pieces:
                continue
            surest = pieces[0]
            piece = " ".join(surest.text.split())
            quote = piece if len(piece) <= 80 else piece[:77] + "..."
            found.signals.append(Signal(
                id=INJECTION, score=round(min(surest.probability, 0.99), 2), source=message.source.value,
                message=message.index,
                note=f"{INJECTION_HEAD_NOTE}: the piece '{quote}' reads as planted for the assistant "
                     f"(P={surest.probability:.4f}, threshold {threshold})"))
        return found
