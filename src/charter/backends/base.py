"""What every backend offers: turn a composed prompt into text, whole or streamed.

A backend knows its wire format and nothing of Charter's rules: it is handed the
messages the prompt compiler wrote (roles ``system``, ``user``, ``assistant`` only;
non-principal content has already been wrapped as data inside them) and returns what
the model wrote. Faults are `BackendError`s that name the backend.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from charter.errors import CharterError

Role = Literal["system", "user", "assistant"]


class ChatMessage(BaseModel):
    """One message of a composed prompt, in the plain shape every chat API accepts."""

    model_config = ConfigDict(frozen=True)

    role: Role
    content: str


class Generation(BaseModel):
    """Knobs a caller may set for one generation; backends map them to their API."""

    model_config = ConfigDict(frozen=True)

    max_tokens: int = 512
    temperature: float = 0.7
    seed: int | None = None
    timeout_s: float = 120.0
    # Tools the model may call, in the OpenAI function-tool shape; only backends with `call` use them.
    tools: tuple[dict[str, Any], ...] = ()
    # When set, the answer should be exactly one of these words. Backends that can constrain decoding
    # (the embedded model, through a llama.cpp grammar) do; the others rely on the prompt saying so.
    choices: tuple[str, ...] = ()


class ProposedCall(BaseModel):
    """A tool call a model proposes; Charter's gate decides whether it reaches the client."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    arguments: str = "{}"  # JSON text, as the APIs carry it


class Reply(BaseModel):
    """What a tool-capable backend answered: text, tool calls, or both."""

    text: str = ""
    tool_calls: list[ProposedCall] = Field(default_factory=list)


class BackendError(CharterError):
    """A backend failed: it could not be reached, answered garbage, or errored.

    ``backend`` names the configured backend so the message says which one failed.
    """

    def __init__(self, backend: str, problem: str) -> None:
        self.backend = backend
        self.problem = problem
        super().__init__(f"backend {backend!r}: {problem}")


class BackendTimeout(BackendError):
    """The backend did not answer within the generation's timeout."""


class BackendUnavailable(BackendError):
    """The backend cannot be used here: an optional package is missing, or it is misconfigured.

    The message gives the exact install line or the setting to fix.
    """


@runtime_checkable
class Backend(Protocol):
    """A language model behind some API. Implementations must be safe to call from one thread at a time."""

    name: str

    def generate(self, messages: Sequence[ChatMessage], options: Generation) -> str:
        """The whole answer."""
        ...

    def stream(self, messages: Sequence[ChatMessage], options: Generation) -> Iterator[str]:
        """The answer as text pieces, in order; joined they equal what `generate` would return."""
        ...


@runtime_checkable
class ToolBackend(Backend, Protocol):
    """A backend that can propose tool calls (``options.tools``) as well as write text."""

    def call(self, messages: Sequence[ChatMessage], options: Generation) -> Reply:
        """Text and/or proposed tool calls, from one request."""
        ...
