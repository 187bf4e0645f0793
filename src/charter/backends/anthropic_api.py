"""The ``anthropic`` backend: the Anthropic Messages API, through the official ``anthropic`` client.

Charter's prompts are plain role-tagged messages; the Messages API wants them reshaped:

- System messages go in the top-level ``system`` string, joined by blank lines (the API has no
  system role inside ``messages``). Where they stood among the turns is not kept.
- Turns must alternate user/assistant, so consecutive messages of one role are merged, joined by
  blank lines. Blank messages are dropped (the API rejects empty text).
- The list must start with a user turn. A prompt that starts with the assistant (a persona's
  greeting, say) gets a minimal user turn in front, `OPENING_TURN`, rather than losing the greeting.
- A final assistant turn is a prefill: the model continues it, and the answer is the continuation.
  The API rejects trailing whitespace there, so it is stripped.

Sampling: the 2.x client (and the API version it speaks) has no ``temperature`` or ``seed``; they
are not sent, and `Generation.temperature` / ``seed`` have no effect on this backend.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from typing import TYPE_CHECKING

from charter.backends import BackendConfig
from charter.backends.base import BackendError, BackendTimeout, BackendUnavailable, ChatMessage, Generation
from charter.backends.openai_api import check_base_url, connection_problem, redact, resolve_api_key, server_message

if TYPE_CHECKING:
    from anthropic.types import Message, MessageParam

INSTALL = "pip install 'charter[anthropic]'"
DEFAULT_KEY_ENV = "ANTHROPIC_API_KEY"
# Stands in for the user when a prompt opens with the assistant: the API requires a user turn first.
OPENING_TURN = "(start of conversation)"


def to_messages_api(messages: Sequence[ChatMessage]) -> tuple[str, list[MessageParam]]:
    """Reshape role-tagged messages into the Messages API's ``system`` string and alternating turns."""
    system = "\n\n".join(m.content for m in messages if m.role == "system" and m.content.strip())
    turns: list[tuple[str, list[str]]] = []
    for message in messages:
        if message.role == "system" or not message.content.strip():
            continue
        if turns and turns[-1][0] == message.role:
            turns[-1][1].append(message.content)
        else:
            turns.append((message.role, [message.content]))
    if not turns or turns[0][0] == "assistant":
        turns.insert(0, ("user", [OPENING_TURN]))
    wire: list[MessageParam] = []
    for i, (role, parts) in enumerate(turns):
        text = "\n\n".join(parts)
        if role == "user":
            wire.append({"role": "user", "content": text})
        else:
            wire.append({"role": "assistant", "content": text.rstrip() if i == len(turns) - 1 else text})
    return system, wire


class AnthropicBackend:
    """A Claude model behind the Anthropic Messages API (or anything that speaks it at ``base_url``)."""

    name: str

    def __init__(self, config: BackendConfig) -> None:
        self.name = config.name
        try:
            import anthropic
        except ImportError as exc:
            raise BackendUnavailable(config.name, f"the anthropic package is not installed: {INSTALL}") from exc
        if not config.model:
            raise BackendUnavailable(config.name, "no model is configured: set `model` for this backend in the "
                                     "backends file (e.g. 'claude-sonnet-4-5')")
        self.model: str = config.model
        check_base_url(config)
        self._key = resolve_api_key(config, DEFAULT_KEY_ENV)
        self._timeout_s = config.timeout_s
        self._client = anthropic.Anthropic(api_key=self._key, base_url=config.base_url,
                                           timeout=config.timeout_s, max_retries=config.max_retries)
        self.endpoint = f"{str(self._client.base_url).rstrip('/')}/v1/messages"

    def generate(self, messages: Sequence[ChatMessage], options: Generation) -> str:
        """The whole answer (the text blocks of one non-streaming response, joined)."""
        import anthropic
        import httpx2

        timeout = self._timeout(options)
        system, wire = to_messages_api(messages)
        try:
            message = self._client.messages.create(
                model=self.model, max_tokens=options.max_tokens, messages=wire,
                system=system or anthropic.omit, stream=False, timeout=timeout)
        except (anthropic.AnthropicError, httpx2.HTTPError, ValueError) as exc:
            raise self._fault(exc, timeout, mid_stream=False) from exc
        return self._text_of(message)

    def stream(self, messages: Sequence[ChatMessage], options: Generation) -> Generator[str, None, None]:
        """The answer's text deltas as they arrive (the request is sent on the first ``next``).

        Thinking and other non-text deltas are skipped. A fault after some pieces were yielded is
        raised from the iterator. Closing the generator early releases the connection.
        """
        import anthropic
        import httpx2

        timeout = self._timeout(options)
        system, wire = to_messages_api(messages)
        started = finished = False
        yielded = 0
        try:
            events = self._client.messages.create(
                model=self.model, max_tokens=options.max_tokens, messages=wire,
                system=system or anthropic.omit, stream=True, timeout=timeout)
            started = True
            with events:
                for event in events:
                    if event.type == "content_block_delta" and event.delta.type == "text_delta":
                        if event.delta.text:
                            yielded += 1
                            yield event.delta.text
                    elif event.type == "message_stop":
                        finished = True
        # Unlike the openai client, this one lets transport errors met while reading a stream
        # through as httpx2's own, so those are caught here too.
        except (anthropic.AnthropicError, httpx2.HTTPError, ValueError) as exc:
            raise self._fault(exc, timeout, mid_stream=started) from exc
        if not finished:
            raise BackendError(self.name, f"the stream from {self.endpoint} ended before the model finished "
                                          f"(no message_stop after {yielded} pieces)")
        if yielded == 0:
            raise BackendError(self.name, f"{self.endpoint} answered without text (model {self.model!r})")

    def close(self) -> None:
        """Release the client's pooled connections (optional; the pool is also freed when collected)."""
        self._client.close()

    # -- helpers --

    def _timeout(self, options: Generation) -> float:
        # The configured timeout is the deployment's ceiling; a caller may only ask for less.
        return min(self._timeout_s, options.timeout_s)

    def _text_of(self, message: Message) -> str:
        # Responses are not validated by the client: a 200 in the wrong shape must be looked at first.
        try:
            text = "".join(block.text for block in message.content or () if block.type == "text")
            stop = message.stop_reason
        except (AttributeError, TypeError) as exc:
            raise BackendError(self.name, f"{self.endpoint} answered in an unexpected shape "
                                          f"({type(exc).__name__}: {exc})") from exc
        if not text:
            raise BackendError(self.name, f"{self.endpoint} answered without text "
                                          f"(model {self.model!r}, stop_reason {stop!r})")
        return text

    def _fault(self, exc: Exception, timeout: float, *, mid_stream: bool) -> BackendError:
        """Translate a client exception into Charter's errors (the SDK's own never leave this module)."""
        import anthropic
        import httpx2

        url = self.endpoint
        error: BackendError
        if isinstance(exc, anthropic.APITimeoutError | httpx2.TimeoutException):
            error = BackendTimeout(self.name, f"{url} stopped sending for more than {timeout:g} s mid-stream"
                                   if mid_stream else f"no answer from {url} within {timeout:g} s")
        elif isinstance(exc, anthropic.APIConnectionError | httpx2.TransportError):
            cause = exc.__cause__ if isinstance(exc, anthropic.APIConnectionError) else exc
            error = BackendError(self.name, connection_problem(url, cause, mid_stream=mid_stream))
        elif isinstance(exc, anthropic.APIStatusError) and mid_stream:
            # An `error` event inside a 200 stream (e.g. overloaded_error) arrives as a status error.
            error = BackendError(self.name, f"{url} reported an error mid-stream: "
                                            f"{server_message(exc.body, exc.message)}")
        elif isinstance(exc, anthropic.APIStatusError):
            error = BackendError(self.name, f"{url} answered HTTP {exc.status_code}: "
                                            f"{server_message(exc.body, exc.message)}")
        elif isinstance(exc, anthropic.APIError):
            error = BackendError(self.name, f"{url} reported an error: {server_message(exc.body, exc.message)}")
        elif isinstance(exc, ValueError):
            error = BackendError(self.name, f"{url} answered with malformed JSON ({exc})")
        else:
            error = BackendError(self.name, f"the anthropic client failed calling {url}: {type(exc).__name__}: {exc}")
        return redact(error, self._key)


def from_config(config: BackendConfig) -> AnthropicBackend:
    """Build the backend a configuration entry of kind ``anthropic`` describes."""
    return AnthropicBackend(config)
