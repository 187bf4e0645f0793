"""Trained heads: stored compactly, loaded against the right encoder, and retrainable from the corpus."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from charter.models.encoder import ModelError
from charter.models.heads import Ngrams, decode_array, encode_array, load_heads, ngrams, parse_heads
from charter.models.train import OUT, train

EXPECTED = {"harm", "crisis", "category", "injection", "refusal", "harmful_response"}


def test_every_head_is_shipped_with_a_threshold_chosen_on_dev() -> None:
    heads = load_heads().heads
    assert set(heads) == EXPECTED
    for name in ("harm", "crisis", "injection", "harmful_response"):
        assert heads[name].labels == ("no", "yes") and 0.0 < heads[name].threshold < 1.0
    assert heads["injection"].reads == "segments" and heads["harm"].reads == "text"


def test_probabilities_have_the_right_shape() -> None:
    heads = load_heads()
    x = np.random.default_rng(0).normal(size=(3, 384)).astype(np.float32)
    assert heads.get("harm").probabilities(x, ["a", "b", "c"]).shape == (3,)
    cat = heads.get("category").probabilities(x)
    assert cat.shape == (3, len(heads.get("category").labels))
    assert np.allclose(cat.sum(axis=1), 1.0, atol=1e-5)


def test_a_head_that_reads_words_refuses_to_guess_without_them() -> None:
    harm = load_heads().get("harm")
    assert harm.ngrams is not None
    x = np.zeros((2, 384), dtype=np.float32)
    with pytest.raises(ModelError, match="pass the 2 text"):
        harm.probabilities(x)
    with pytest.raises(ModelError, match="pass the 2 text"):
        harm.probabilities(x, ["only one"])


def test_the_stored_ngram_model_computes_what_scikit_learn_trained() -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    from charter.models.train import _fit_ngrams

    texts = ["how do I hurt him badly", "hurt him so he remembers", "how do I bake bread", "bake a cake for him",
             "make him pay, hurt him", "bread and cake recipes", "I want to hurt someone", "how do I bake a pie"]
    labels = ["yes", "yes", "no", "no", "yes", "no", "yes", "no"]
    stored = Ngrams.model_validate(_fit_ngrams(texts, labels, (2, 4.0)))
    vectoriser = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2, lowercase=True)
    model = LogisticRegression(C=4.0, class_weight="balanced", max_iter=5000).fit(vectoriser.fit_transform(texts),
                                                                                  labels)
    probe = ["hurt him", "bake bread for him him", "nothing in the vocabulary", "How do I HURT someone?"]
    assert np.allclose(stored.probabilities(probe), model.predict_proba(vectoriser.transform(probe))[:, 1], atol=5e-3)
    assert ngrams("How do I hurt", 2) == ["how", "do", "hurt", "how do", "do hurt"]


def test_arrays_round_trip_at_float16_precision() -> None:
    a = np.linspace(-3, 3, 12, dtype=np.float32).reshape(3, 4)
    assert np.allclose(decode_array(encode_array(a)), a, atol=2e-3)


def test_heads_for_another_encoder_are_refused() -> None:
    data = json.loads(OUT.read_text())
    data["encoder_sha256"] = "0" * 64
    with pytest.raises(ModelError, match="different encoder"):
        parse_heads(data)


def test_heads_trained_on_another_encoder_graph_are_refused() -> None:
    """Heads from before the integer layers (no graph recorded) would read vectors they never saw."""
    data = json.loads(OUT.read_text())
    del data["encoder_graph"]
    with pytest.raises(ModelError, match="graph 'float32'"):
        parse_heads(data)


def test_unknown_head_is_a_clear_error() -> None:
    with pytest.raises(ModelError, match="no trained head 'telepathy'"):
        load_heads().get("telepathy")


@pytest.mark.slow
def test_training_reproduces_the_shipped_heads(tmp_path: Path) -> None:
    out = tmp_path / "heads.json"
    train(out=out, log=lambda _: None)
    fresh, shipped = parse_heads(json.loads(out.read_text())), load_heads()
    assert fresh.corpus_sha256 == shipped.corpus_sha256
    for name, head in shipped.heads.items():
        other = fresh.heads[name]
        assert other.labels == head.labels and other.threshold == pytest.approx(head.threshold, abs=0.011)
        for mine, theirs in zip(head.layers, other.layers, strict=True):
            assert np.allclose(decode_array(mine.weights), decode_array(theirs.weights), atol=5e-3)
        assert (head.adapter is None) == (other.adapter is None)
        if head.adapter is not None and other.adapter is not None:
            for matrix, (a, b) in head.adapter.arrays.items():
                fresh_a, fresh_b = other.adapter.arrays[matrix]
                assert np.allclose(a @ b, fresh_a @ fresh_b, atol=5e-3), matrix
