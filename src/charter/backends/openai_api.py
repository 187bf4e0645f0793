"""The ``openai`` backend: any OpenAI-compatible chat endpoint, through the official ``openai`` client.

One class serves OpenAI itself and every server that speaks its wire format (vLLM, llama.cpp's
server, Ollama, hosted compatible APIs): a new endpoint is a ``base_url`` in the backends file, not
new code. Requests go to ``POST {base_url}/chat/completions``; `stream` asks for Server-Sent Events.

The SDK is imported when a backend is built, so Charter runs without it until a configuration
names this kind. Every SDK fault comes out as a `BackendError` naming the backend and the URL;
the API key never appears in a message.
"""

from __future__ import annotations

import os
from collections.abc import Generator, Sequence
from typing import TYPE_CHECKING, Any

from charter.backends import BackendConfig
from charter.backends.base import (
    BackendError,
    BackendTimeout,
    BackendUnavailable,
    ChatMessage,
    Generation,
    ProposedCall,
    Reply,
)

if TYPE_CHECKING:
    from openai.types.chat import ChatCompletion, ChatCompletionChunk, ChatCompletionMessageParam

INSTALL = "pip install 'charter[openai]'"
DEFAULT_KEY_ENV = "OPENAI_API_KEY"
# Local OpenAI-compatible servers usually check no key, but the client refuses to start without
# one; this is what they receive instead (never a real credential).
PLACEHOLDER_KEY = "charter-no-key"


class OpenAIBackend:
    """A model behind an OpenAI-compatible ``/chat/completions`` endpoint."""

    name: str

    def __init__(self, config: BackendConfig) -> None:
        self.name = config.name
        try:
            import openai
        except ImportError as exc:
            raise BackendUnavailable(config.name, f"the openai package is not installed: {INSTALL}") from exc
        if not config.model:
            raise BackendUnavailable(config.name, "no model is configured: set `model` for this backend in the "
                                     "backends file (the id the endpoint serves, e.g. 'gpt-4.1-mini')")
        self.model: str = config.model
        check_base_url(config)
        self._key = resolve_api_key(config, DEFAULT_KEY_ENV)
        self._timeout_s = config.timeout_s
        self._client = openai.OpenAI(api_key=self._key, base_url=config.base_url,
                                     timeout=config.timeout_s, max_retries=config.max_retries)
        # The client guarantees a trailing slash on its base URL.
        self.endpoint = f"{self._client.base_url}chat/completions"

    def generate(self, messages: Sequence[ChatMessage], options: Generation) -> str:
        """The whole answer, from one non-streaming request."""
        import httpx2
        import openai

        timeout = self._timeout(options)
        wire = self._wire(messages)
        try:
            completion = self._client.chat.completions.create(
                model=self.model, messages=wire, stream=False, timeout=timeout,
                max_tokens=options.max_tokens, temperature=options.temperature,
                seed=openai.omit if options.seed is None else options.seed)
        except (openai.OpenAIError, httpx2.HTTPError, ValueError) as exc:
            raise self._fault(exc, timeout, mid_stream=False) from exc
        return self._text_of(completion)

    def call(self, messages: Sequence[ChatMessage], options: Generation) -> Reply:
        """Text and/or tool calls, from one non-streaming request that offers ``options.tools``."""
        import httpx2
        import openai

        timeout = self._timeout(options)
        tools: Any = [dict(t) for t in options.tools] if options.tools else openai.omit
        try:
            completion: Any = self._client.chat.completions.create(
                model=self.model, messages=self._wire(messages), stream=False, timeout=timeout,
                max_tokens=options.max_tokens, temperature=options.temperature,
                seed=openai.omit if options.seed is None else options.seed, tools=tools)
        except (openai.OpenAIError, httpx2.HTTPError, ValueError) as exc:
            raise self._fault(exc, timeout, mid_stream=False) from exc
        try:
            message = completion.choices[0].message
        except (AttributeError, IndexError, TypeError) as exc:
            raise BackendError(self.name, f"{self.endpoint} answered in an unexpected shape "
                                          f"({type(exc).__name__}: {exc})") from exc
        calls = [ProposedCall(id=c.id, name=c.function.name, arguments=c.function.arguments or "{}")
                 for c in (message.tool_calls or []) if getattr(c, "function", None) is not None]
        text = message.content or ""
        if not calls and not text:
            raise BackendError(self.name, f"{self.endpoint} answered with neither text nor tool calls")
        return Reply(text=text, tool_calls=calls)

    def stream(self, messages: Sequence[ChatMessage], options: Generation) -> Generator[str, None, None]:
        """The answer as it is written, piece by piece (the request is sent on the first ``next``).

        A fault after some pieces were yielded is raised from the iterator; the pieces already
        handed out stay with the caller. Closing the generator early releases the connection.
        """
        import httpx2
        import openai

        timeout = self._timeout(options)
        wire = self._wire(messages)
        started = finished = False
        yielded = 0
        try:
            chunks = self._client.chat.completions.create(
                model=self.model, messages=wire, stream=True, timeout=timeout,
                max_tokens=options.max_tokens, temperature=options.temperature,
                seed=openai.omit if options.seed is None else options.seed)
            started = True
            with chunks:
                for chunk in chunks:
                    text, done = self._delta_of(chunk)
                    finished = finished or done
                    if text:
                        yielded += 1
                        yield text
        # The client wraps transport errors itself; httpx2's own are caught too in case one slips past.
        except (openai.OpenAIError, httpx2.HTTPError, ValueError) as exc:
            raise self._fault(exc, timeout, mid_stream=started) from exc
        if not finished:
            # The SDK ends quietly when the body ends; a missing finish_reason is how a cut-off shows.
            raise BackendError(self.name, f"the stream from {self.endpoint} ended before the model finished "
                                          f"(no finish_reason after {yielded} pieces)")
        if yielded == 0:
            raise BackendError(self.name, f"{self.endpoint} answered without text (model {self.model!r})")

    def close(self) -> None:
        """Release the client's pooled connections (optional; the pool is also freed when collected)."""
        self._client.close()

    # -- helpers --

    def _timeout(self, options: Generation) -> float:
        # The configured timeout is the deployment's ceiling; a caller may only ask for less.
        return min(self._timeout_s, options.timeout_s)

    def _wire(self, messages: Sequence[ChatMessage]) -> list[ChatCompletionMessageParam]:
        if not messages:
            raise BackendError(self.name, "no messages to send")
        wire: list[ChatCompletionMessageParam] = []
        for message in messages:
            if message.role == "system":
                wire.append({"role": "system", "content": message.content})
            elif message.role == "user":
                wire.append({"role": "user", "content": message.content})
            else:
                wire.append({"role": "assistant", "content": message.content})
        return wire

    def _text_of(self, completion: ChatCompletion) -> str:
        # The client does not validate responses, so a 200 in the wrong shape arrives as a half-empty
        # object; look before touching.
        try:
            content = completion.choices[0].message.content if completion.choices else None
        except (AttributeError, IndexError, TypeError) as exc:
            raise BackendError(self.name, f"{self.endpoint} answered in an unexpected shape "
                                          f"({type(exc).__name__}: {exc})") from exc
        if not isinstance(content, str) or not content:
            raise BackendError(self.name, f"{self.endpoint} answered without text (model {self.model!r})")
        return content

    def _delta_of(self, chunk: ChatCompletionChunk) -> tuple[str, bool]:
        """The text a chunk adds and whether it ends the answer; role-only and usage chunks add nothing."""
        try:
            text = ""
            done = False
            for choice in chunk.choices or ():
                if choice.index != 0:  # n=1 is all Charter asks for
                    continue
                if isinstance(choice.delta.content, str):
                    text += choice.delta.content
                done = done or bool(choice.finish_reason)
        except (AttributeError, TypeError) as exc:
            raise BackendError(self.name, f"{self.endpoint} streamed a chunk in an unexpected shape "
                                          f"({type(exc).__name__}: {exc})") from exc
        return text, done

    def _fault(self, exc: Exception, timeout: float, *, mid_stream: bool) -> BackendError:
        """Translate an SDK exception into Charter's errors (the SDK's own never leave this module)."""
        import httpx2
        import openai

        url = self.endpoint
        error: BackendError
        if isinstance(exc, openai.APITimeoutError | httpx2.TimeoutException):
            error = BackendTimeout(self.name, f"{url} stopped sending for more than {timeout:g} s mid-stream"
                                   if mid_stream else f"no answer from {url} within {timeout:g} s")
        elif isinstance(exc, openai.APIConnectionError | httpx2.TransportError):
            cause = exc.__cause__ if isinstance(exc, openai.APIConnectionError) else exc
            error = BackendError(self.name, connection_problem(url, cause, mid_stream=mid_stream))
        elif isinstance(exc, openai.APIStatusError):
            error = BackendError(self.name, f"{url} answered HTTP {exc.status_code}: "
                                            f"{server_message(exc.body, exc.message)}")
        elif isinstance(exc, openai.APIError):
            # An error object inside a 200 stream, or a response the client could not read.
            where = "mid-stream" if mid_stream else "in its answer"
            error = BackendError(self.name, f"{url} reported an error {where}: {server_message(exc.body, exc.message)}")
        elif isinstance(exc, ValueError):
            error = BackendError(self.name, f"{url} answered with malformed JSON ({exc})")
        else:
            error = BackendError(self.name, f"the openai client failed calling {url}: {type(exc).__name__}: {exc}")
        return redact(error, self._key)


def from_config(config: BackendConfig) -> OpenAIBackend:
    """Build the backend a configuration entry of kind ``openai`` describes."""
    return OpenAIBackend(config)


# -- also used by the anthropic backend (importing this module does not import the openai SDK) --


def check_base_url(config: BackendConfig) -> None:
    """Refuse a ``base_url`` without a scheme (``localhost:8000/v1`` is the usual slip) before any request."""
    if config.base_url is not None and not config.base_url.startswith(("http://", "https://")):
        raise BackendUnavailable(config.name, f"base_url must start with http:// or https://, "
                                              f"got {config.base_url!r}: fix it in the backends file")


def resolve_api_key(config: BackendConfig, default_env: str) -> str:
    """The API key from the environment variable the configuration names (or the provider's usual one).

    A server at a ``base_url`` with no ``api_key_env`` may need no key, so it gets a placeholder; a
    real provider (no ``base_url``), or a variable the configuration names explicitly, must be set.
    """
    env = config.api_key_env or default_env
    key = os.environ.get(env, "").strip()
    if key:
        return key
    if config.base_url and not config.api_key_env:
        return PLACEHOLDER_KEY
    where = f" for {config.base_url}" if config.base_url else ""
    raise BackendUnavailable(config.name, f"no API key{where}: set the environment variable {env} "
                                          "(or name another one with `api_key_env` in the backends file)")


def server_message(body: object, fallback: str) -> str:
    """The error message a server put in its body (OpenAI and Anthropic shapes), else ``fallback``."""
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and isinstance(inner.get("message"), str):
            return str(inner["message"])
        if isinstance(inner, str) and inner.strip():
            return inner.strip()[:300]
    if isinstance(body, str) and body.strip():
        return body.strip()[:300]  # e.g. an HTML page from a proxy; enough to recognise it
    return fallback


def connection_problem(url: str, cause: BaseException | None, *, mid_stream: bool) -> str:
    """Say whether the server could not be reached at all, or the connection failed once open."""
    import httpx2

    detail = f": {cause}" if cause is not None and str(cause) else ""
    if mid_stream:
        return f"the connection to {url} broke off mid-stream{detail}"
    if cause is None or isinstance(cause, httpx2.ConnectError):
        return f"could not connect to {url}{detail}"
    return f"the connection to {url} failed before a whole answer arrived{detail}"


def redact(error: BackendError, key: str) -> BackendError:
    """The same error with the key cut out of its text (servers sometimes echo a rejected key)."""
    if key == PLACEHOLDER_KEY or len(key) < 8 or key not in error.problem:
        return error
    return type(error)(error.backend, error.problem.replace(key, "[redacted]"))
