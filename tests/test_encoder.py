"""The sentence encoder: the real int8 MiniLM, checked by digest, giving unit vectors that carry meaning."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from charter.models.encoder import DIM, Encoder, ModelError, shared_encoder


def test_vectors_are_unit_length_and_deterministic() -> None:
    enc = shared_encoder()
    a = enc.embed(["How do I bake sourdough bread?", ""])
    assert a.shape == (2, DIM)
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-4)
    fresh = Encoder(cache_size=0, threads=1).embed(["How do I bake sourdough bread?"])
    assert np.allclose(a[0], fresh[0], atol=1e-5)


def test_similar_meaning_is_closer_than_shared_keywords() -> None:
    enc = shared_encoder()
    v = enc.embed(["How do I terminate a hung process on Linux?", "How can I kill a stuck Linux process?",
                   "What is a good recipe for banana bread?"])
    assert float(v[0] @ v[1]) > float(v[0] @ v[2]) + 0.3


def test_long_text_keeps_its_end_within_the_token_budget() -> None:
    enc = shared_encoder()
    context = "Some background about my garden and the weather this spring. " * 40
    ask = "How do I get rid of aphids on roses?"
    tail = enc.embed([context + ask], max_tokens=32)[0]
    head_only = enc.embed([context], max_tokens=32)[0]
    ask_only = enc.embed([ask], max_tokens=32)[0]
    assert float(tail @ ask_only) > float(head_only @ ask_only)


def test_a_swapped_model_file_is_refused(tmp_path: Path) -> None:
    fake = tmp_path / "model.onnx"
    fake.write_bytes(b"not the model")
    with pytest.raises(ModelError, match="checksum mismatch"):
        Encoder(model_path=fake)


def test_a_swapped_tokenizer_is_refused() -> None:
    with pytest.raises(ModelError, match="tokenizer checksum mismatch"):
        Encoder(tokenizer_bytes=b'{"version": "1.0"}')


def test_a_bad_thread_setting_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHARTER_ENCODER_THREADS", "two")
    with pytest.raises(ModelError, match="CHARTER_ENCODER_THREADS"):
        Encoder()


def _corpus_requests(n: int) -> list[str]:
    from charter.corpus import load

    return [i.text for i in load() if i.task == "request"][::7][:n]


def test_the_integer_layers_track_the_float_graph() -> None:
    """The layers multiply in integers; the vectors stay close to what the float32 products give."""
    import onnxruntime as ort

    from charter.models.encoder import _graph, _pool

    enc = shared_encoder()
    float_graph, _ = _graph(enc._model_bytes, integer=False)
    session = ort.InferenceSession(float_graph, providers=["CPUExecutionProvider"])
    texts = _corpus_requests(200)
    cosines = []
    for text, window in zip(texts, enc.token_ids(texts, 64), strict=True):
        ids = np.array([window], dtype=np.int64)
        mask = np.ones_like(ids)
        hidden = session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)})[0]
        cosines.append(float(_pool(hidden, mask)[0] @ enc.embed([text], max_tokens=64)[0]))
    assert np.mean(cosines) > 0.995
    assert min(cosines) > 0.985


def test_a_vector_does_not_depend_on_its_batch() -> None:
    """Activations are scaled per token, so padding and batch-mates leave a text's vector alone."""
    texts = _corpus_requests(12)
    alone = np.vstack([Encoder(cache_size=0).embed([t], max_tokens=64) for t in texts])
    together = Encoder(cache_size=0).embed([*texts, "a much longer text " * 20], max_tokens=64)[:len(texts)]
    assert np.allclose(alone, together, atol=2e-5)


def test_the_integer_rewrite_refuses_a_graph_without_int8_weights() -> None:
    import onnx
    from onnx import TensorProto, helper

    from charter.models.quantize import int8_matmuls

    weight = helper.make_tensor("w", TensorProto.FLOAT, [2, 2], [1.0, 0.0, 0.0, 1.0])
    graph = helper.make_graph([helper.make_node("MatMul", ["x", "w"], ["y"], name="mm")], "plain",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2])], [weight])
    with pytest.raises(ValueError, match="no int8-weighted"):
        int8_matmuls(onnx.helper.make_model(graph))
