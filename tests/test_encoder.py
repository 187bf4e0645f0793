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
