"""Trained heads over sentence embeddings, built by `charter.models.train` and shipped as JSON.

A head is a small feed-forward network: zero or more ReLU hidden layers, then an output
layer — one unit with a sigmoid for yes/no heads, one unit per label with a softmax
otherwise. A yes/no head may also carry a word n-gram model (TF-IDF weights and a logistic
regression over them): then its probability is the mean of the two. The sentence embedding
carries the gist, the n-grams the exact wording ("I want this guy to remember me"); on the
dev split the pair finds more harmful requests than either at the same false-alarm rate.
A head may also carry an adapter (`charter.models.adapter`): low-rank updates to the encoder's
last layer, trained with it. Its input is then the adapted vector (``Encoder.embed(...,
adapter=head.adapter)``), not the plain one.

Arrays are stored as base64 of little-endian float16 (compact, and the same bytes every
time the same data is trained); arithmetic is float32. The file records the
encoder digest and the graph (`charter.models.quantize.GRAPH`) it was trained with, so a
mismatch is caught when it loads.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Sequence
from functools import cache, cached_property
from importlib import resources
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict

from charter.models.adapter import Adapter
from charter.models.arrays import Array, decode_array, encode_array
from charter.models.encoder import MODEL_SHA256, ModelError
from charter.models.quantize import GRAPH

HEADS_RESOURCE = "data/heads.json"
__all__ = ["Head", "HeadSet", "Layer", "Ngrams", "decode_array", "encode_array", "load_heads", "ngrams",
           "parse_heads"]


class Layer(BaseModel):
    """One dense layer, x @ weights + bias (weights shaped inputs x outputs)."""

    model_config = ConfigDict(frozen=True)

    weights: dict[str, Any]
    bias: dict[str, Any]


# Words as scikit-learn's TfidfVectorizer finds them by default (two or more word characters).
_TOKEN = re.compile(r"(?u)\b\w\w+\b")


def ngrams(text: str, n: int) -> list[str]:
    """The lower-cased word 1..n-grams of ``text``, as the training vectoriser builds them."""
    words = _TOKEN.findall(text.lower())
    return [" ".join(words[i:i + k]) for k in range(1, n + 1) for i in range(len(words) - k + 1)]


class Ngrams(BaseModel):
    """A logistic regression over sublinear TF-IDF of word n-grams (l2-normalised), as trained."""

    model_config = ConfigDict(frozen=True, ignored_types=(cached_property,))

    n: int
    terms: tuple[str, ...]  # the vocabulary, in column order
    idf: dict[str, Any]
    coef: dict[str, Any]
    intercept: float

    @cached_property
    def _index(self) -> tuple[dict[str, int], Array, Array]:
        return {t: i for i, t in enumerate(self.terms)}, decode_array(self.idf), decode_array(self.coef)

    def probabilities(self, texts: Sequence[str]) -> Array:
        index, idf, coef = self._index
        out = np.zeros(len(texts), dtype=np.float32)
        for row, text in enumerate(texts):
            counts = Counter(index[g] for g in ngrams(text, self.n) if g in index)
            if counts:
                cols = np.fromiter(counts, dtype=np.int64)
                weights = np.array([1.0 + math.log(counts[c]) for c in counts], dtype=np.float32) * idf[cols]
                z = float(weights @ coef[cols]) / float(np.linalg.norm(weights)) + self.intercept
            else:
                z = self.intercept
            out[row] = 1.0 / (1.0 + math.exp(-z))
        return out


class Head(BaseModel):
    """One trained head."""

    model_config = ConfigDict(frozen=True, ignored_types=(cached_property,))

    name: str
    labels: tuple[str, ...]  # yes/no heads: ("no", "yes")
    layers: tuple[Layer, ...]
    threshold: float = 0.5  # yes/no heads: P(yes) at or above this counts as yes
    trained_on: int = 0
    ngrams: Ngrams | None = None  # yes/no heads only: blended with the network when present
    adapter: Adapter | None = None  # the network reads vectors from the adapted last layer
    reads: Literal["text", "segments"] = "text"  # segments: pieces of a document (charter.models.segments)

    @cached_property
    def _arrays(self) -> list[tuple[Array, Array]]:
        return [(decode_array(layer.weights), decode_array(layer.bias)) for layer in self.layers]

    def probabilities(self, x: Array, texts: Sequence[str] | None = None) -> Array:
        """Shape (n,) of P(yes) for yes/no heads; (n, k) over ``labels`` otherwise.

        ``texts`` are the texts ``x`` embeds; a head with an n-gram model needs them. For a head
        with an adapter, ``x`` must come from ``Encoder.embed(texts, adapter=head.adapter)``.
        """
        p = self._network(x)
        if self.ngrams is None:
            return p
        if texts is None or len(texts) != x.shape[0]:
            raise ModelError(f"the {self.name} head reads the words too: pass the {x.shape[0]} text(s) it embeds")
        blended: Array = ((p + self.ngrams.probabilities(texts)) / 2.0).astype(np.float32)
        return blended

    def _network(self, x: Array) -> Array:
        h = x
        arrays = self._arrays
        for w, b in arrays[:-1]:
            h = np.maximum(h @ w + b, 0.0)
        w, b = arrays[-1]
        logits = h @ w + b
        if logits.shape[1] == 1:
            binary: Array = (1.0 / (1.0 + np.exp(-logits[:, 0]))).astype(np.float32)
            return binary
        logits = logits - logits.max(axis=1, keepdims=True)
        e = np.exp(logits)
        multi: Array = (e / e.sum(axis=1, keepdims=True)).astype(np.float32)
        return multi


class HeadSet(BaseModel):
    """All heads from one training run."""

    model_config = ConfigDict(frozen=True)

    encoder_sha256: str
    encoder_graph: str = "float32"  # files from before the integer rewrite carry no graph
    corpus_sha256: str
    heads: dict[str, Head]

    def get(self, name: str) -> Head:
        if name not in self.heads:
            raise ModelError(f"no trained head {name!r}; retrain with `make models`")
        return self.heads[name]


def parse_heads(data: Any) -> HeadSet:
    heads = HeadSet.model_validate(data)
    if heads.encoder_sha256 != MODEL_SHA256:
        raise ModelError("the shipped heads were trained with a different encoder; retrain with `make models`")
    if heads.encoder_graph != GRAPH:
        raise ModelError(f"the shipped heads were trained on the encoder graph {heads.encoder_graph!r}, "
                         f"not {GRAPH!r}; retrain with `make models`")
    return heads


@cache
def load_heads() -> HeadSet:
    """The heads shipped in the package (loaded once)."""
    try:
        text = resources.files("charter").joinpath(HEADS_RESOURCE).read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ModelError("no trained heads in the package; build them with `make models`") from exc
    return parse_heads(json.loads(text))
