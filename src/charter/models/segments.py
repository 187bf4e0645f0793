"""Documents cut into the pieces an injection hides in, and each piece read beside the rest.

An instruction planted in a tool result is usually one sentence among many. Read whole, the
document's own words drown it: the encoder averages over every token. So the injection head reads
each piece on its own — a sentence, a line, a string inside JSON, a fenced code block — next to a
summary of the rest of the document. The same question ("which planet has the most moons?") is
content on a quiz sheet and a planted task in a bank's e-mail; only the rest of the document tells.

`segments` keeps each piece's character offsets, so the corpus' marked spans label pieces for
training; `features` is what the head reads for every piece.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from charter.models.encoder import Encoder, Vector

SEGMENT_TOKENS = 64  # each piece is read up to this many tokens (its last ones)
SEGMENT_WORDS = 48  # a longer run of prose is read in windows of this many words
MAX_SEGMENTS = 256  # a bound on the cost of one document; the rest is left to the phrase heuristic

_FENCE = re.compile(r"```.*?(?:```|\Z)", re.S)
# Where pieces end: line breaks, the end of a sentence, and the quotes, brackets and separators of
# JSON or a table row, so that every string value is a piece of its own.
_BREAK = re.compile(r"\n+|(?<=[.!?])[\"')\]]*\s+|\"?\s*[:,]?\s*[{}\[\]]+\s*[:,]?\s*\"?|\"\s*[:,]\s*\"?"
                    r"|[:,]\s*\"|\s\|\s|\|(?=[A-Z])|^\s*\"|\"\s*$")
_WORD = re.compile(r"\S+")
_LETTERS = re.compile(r"[^\W\d_]{2,}")


class Segment(NamedTuple):
    start: int
    end: int
    text: str


def _pieces(text: str, start: int, end: int) -> list[Segment]:
    out: list[Segment] = []
    cursor = start
    for m in [*_BREAK.finditer(text, start, end), None]:
        stop = m.start() if m else end
        out.extend(_windows(text, cursor, stop))
        if m:
            cursor = m.end()
    return out


def _windows(text: str, start: int, end: int) -> list[Segment]:
    """One piece of prose, stripped; cut into windows of SEGMENT_WORDS words when longer."""
    words = list(_WORD.finditer(text, start, end))
    if len(words) < 2 or not _LETTERS.search(text, start, end):
        return []  # a key, a number or a lone word says nothing to a reader
    out: list[Segment] = []
    for k in range(0, len(words), SEGMENT_WORDS):
        chunk = words[k:k + SEGMENT_WORDS]
        a, b = chunk[0].start(), chunk[-1].end()
        out.append(Segment(a, b, text[a:b]))
    return out


def segments(text: str) -> list[Segment]:
    """The document's pieces in order (at most MAX_SEGMENTS); the whole text if it has none."""
    out: list[Segment] = []
    cursor = 0
    for fence in _FENCE.finditer(text):
        out.extend(_pieces(text, cursor, fence.start()))
        out.extend(_windows(text, fence.start(), fence.end()))
        cursor = fence.end()
    out.extend(_pieces(text, cursor, len(text)))
    if not out:
        stripped = text.strip()
        start = text.find(stripped)
        return [Segment(start, start + len(stripped), stripped or "[empty]")]
    return out[:MAX_SEGMENTS]


def features(vectors: Vector) -> Vector:
    """Per piece: its vector, the rest of the document's mean direction, their product and cosine.

    A document of one piece has no rest: zeros stand in, as they did in training.
    """
    n = vectors.shape[0]
    if n > 1:
        rest = (vectors.sum(axis=0, keepdims=True) - vectors) / (n - 1)
        rest = rest / np.maximum(np.linalg.norm(rest, axis=1, keepdims=True), 1e-9)
    else:
        rest = np.zeros_like(vectors)
    cosine = (vectors * rest).sum(axis=1, keepdims=True)
    out: Vector = np.hstack([vectors, rest, vectors * rest, cosine]).astype(np.float32)
    return out


def overlaps(segment: Segment, spans: list[tuple[int, int]]) -> float:
    """The largest share of the segment, or of a span, that the two have in common."""
    best = 0.0
    for a, b in spans:
        common = min(segment.end, b) - max(segment.start, a)
        if common > 0:
            best = max(best, common / max(segment.end - segment.start, 1), common / max(b - a, 1))
    return best


class Read(NamedTuple):
    """A document as the injection head reads it: its pieces and their vectors, in order."""

    pieces: list[Segment]
    vectors: Vector


def read(encoder: Encoder, texts: Sequence[str]) -> list[Read]:
    """Every text's pieces, embedded in one encoder call (the encoder batches and caches them)."""
    if not texts:
        return []
    cut = [segments(t) for t in texts]
    flat = encoder.embed([s.text for pieces in cut for s in pieces], SEGMENT_TOKENS)
    out: list[Read] = []
    at = 0
    for pieces in cut:
        out.append(Read(pieces, flat[at:at + len(pieces)]))
        at += len(pieces)
    return out
