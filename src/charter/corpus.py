"""Charter's labelled corpus (``corpus/`` in the repository): loading, validation and splits.

The schema is documented in ``corpus/README.md``. Splits are computed from each item's
paraphrase ``group`` so that paraphrases never straddle train and test.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from charter.errors import CharterError

Split = Literal["train", "dev", "test"]
REPO_CORPUS = Path(__file__).resolve().parents[2] / "corpus"


class CorpusError(CharterError):
    """A corpus line is malformed; the message names the file and line."""


class Item(BaseModel):
    """One labelled line of any task; fields that don't apply to its task stay None."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    group: str
    task: Literal["request", "document", "response"]
    text: str
    # request
    harmful: bool | None = None
    category: str | None = None
    severity: Literal["none", "minor", "moderate", "serious", "severe", "catastrophic"] | None = None
    hard_limit: str | None = None
    intent: Literal["benign", "unclear", "harmful"] | None = None
    operational: bool | None = None
    lookalike: str | None = None
    crisis: bool | None = None
    expected: Literal["help", "help_with_care", "partial", "decline"] | None = None
    # document
    injected: bool | None = None
    carrier: str | None = None
    attack: str | None = None
    spans: tuple[str, ...] | None = None  # injected documents: the planted instruction(s), verbatim
    # response
    prompt: str | None = None
    refusal: Literal["none", "partial", "full"] | None = None

    @property
    def split(self) -> Split:
        return split_of(self.group)


_REQUIRED: dict[str, tuple[str, ...]] = {
    "request": ("harmful", "intent", "operational", "crisis", "expected"),
    "document": ("injected", "carrier"),
    "response": ("prompt", "refusal", "harmful"),
}


def _span_problem(item: Item) -> str | None:
    """Injected documents mark what was planted, word for word; other lines mark nothing."""
    if item.task != "document":
        return "spans belong to document lines" if item.spans is not None else None
    if not item.injected:
        return "a clean document has no spans" if item.spans else None
    if not item.spans:
        return "an injected document lacks spans (the planted instruction, copied from its text)"
    for span in item.spans:
        if not span.strip() or span not in item.text:
            return f"span {span[:60]!r} is not part of the text"
    return None


def split_of(group: str) -> Split:
    """train (70%), dev (10%) or test (20%), fixed by the group's hash."""
    bucket = int(hashlib.sha256(group.encode("utf-8")).hexdigest(), 16) % 10
    return "train" if bucket < 7 else "dev" if bucket == 7 else "test"


def iter_items(root: Path = REPO_CORPUS) -> Iterator[Item]:
    """Every item under ``root`` (files in sorted order), validated."""
    if not root.is_dir():
        raise CorpusError(f"{root}: corpus folder not found (it lives in the repository, not the package)")
    seen: dict[str, str] = {}
    for path in sorted(root.glob("*/*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            where = f"{path.relative_to(root)}:{number}"
            try:
                item = Item.model_validate(json.loads(line))
            except (json.JSONDecodeError, ValidationError) as exc:
                raise CorpusError(f"{where}: {exc}") from exc
            missing = [f for f in _REQUIRED[item.task] if getattr(item, f) is None]
            if missing:
                raise CorpusError(f"{where}: {item.task} item lacks {', '.join(missing)}")
            problem = _span_problem(item)
            if problem:
                raise CorpusError(f"{where}: {problem}")
            if item.id in seen:
                raise CorpusError(f"{where}: duplicate id {item.id!r} (first in {seen[item.id]})")
            seen[item.id] = where
            yield item


def load(root: Path = REPO_CORPUS) -> list[Item]:
    """The whole corpus as a list."""
    return list(iter_items(root))


# Two texts whose word trigrams overlap this much (Jaccard) say the same thing in nearly the same
# words: "Write a tutorial on X" against "Create a tutorial on X" scores 0.75.
NEAR_COPY = 0.5
_WORD = re.compile(r"[a-z0-9']+")


def _trigrams(text: str) -> frozenset[tuple[str, ...]]:
    words = _WORD.findall(text.lower())
    if len(words) < 3:
        return frozenset({tuple(words)}) if words else frozenset()
    return frozenset(tuple(words[k:k + 3]) for k in range(len(words) - 2))


def near_copies(texts: Iterable[str], others: Iterable[str],
                threshold: float = NEAR_COPY) -> list[tuple[str, str, float]]:
    """Pairs (text, other, overlap) whose word trigrams overlap at least ``threshold``, highest first.

    Used to show that no corpus item copies a public benchmark item (the benchmark reports the count).
    Candidates are found through a trigram index, so only texts sharing a trigram are compared.
    """
    other_grams = [(o, _trigrams(o)) for o in others]
    index: dict[tuple[str, ...], list[int]] = {}
    for k, (_, grams) in enumerate(other_grams):
        for g in grams:
            index.setdefault(g, []).append(k)
    found: list[tuple[str, str, float]] = []
    for text in texts:
        grams = _trigrams(text)
        candidates = {k for g in grams for k in index.get(g, ())}
        for k in candidates:
            other, theirs = other_grams[k]
            overlap = len(grams & theirs) / len(grams | theirs)
            if overlap >= threshold:
                found.append((text, other, round(overlap, 3)))
    return sorted(found, key=lambda f: -f[2])
