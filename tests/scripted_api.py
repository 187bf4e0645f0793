"""A real HTTP server on 127.0.0.1 that answers like the OpenAI and Anthropic APIs, as a test scripts it.

It speaks just enough of ``POST /v1/chat/completions`` (OpenAI) and ``POST /v1/messages``
(Anthropic), as JSON or as Server-Sent Events, to drive the official client packages. Each
request takes the next scripted `Reply` (or the default answer when none is queued): plain
text, or a fault such as an HTTP error, a hang, malformed JSON or a stream that breaks off.
Every request is recorded, so a test can assert what a backend actually sent::

    with scripted_api() as api:
        api.script(Answer("Hello."), Status(500, "overloaded"))
        ...  # point a backend at api.openai_base_url or api.anthropic_base_url
        assert api.requests[0].body["max_tokens"] == 64

Responses are HTTP/1.1 with ``Connection: close``; streams use chunked encoding, so a stream
cut short is a protocol error the client can see (not a clean end of body).
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

OPENAI_PATH = "/v1/chat/completions"
ANTHROPIC_PATH = "/v1/messages"


# --- what a test can script -------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """Answer with this text (streamed word by word when the request asks for a stream)."""

    text: str = "Hello from the scripted server."


@dataclass(frozen=True)
class Status:
    """Fail with this HTTP status and an error body in the API's own shape."""

    code: int = 500
    message: str = "the scripted server failed"


@dataclass(frozen=True)
class Hang:
    """Answer nothing for ``seconds`` (or until the server closes), then drop the connection.

    With ``after`` set and a streaming request, first send that many pieces of ``text``, then stall.
    """

    seconds: float = 5.0
    after: int | None = None
    text: str = "This answer stalls part of the way through."


@dataclass(frozen=True)
class Malformed:
    """Reply 200 with a body that is not JSON (or, when streaming, an event whose data is not JSON)."""


@dataclass(frozen=True)
class NoText:
    """Reply 200 in the right shape but with no text in it."""


@dataclass(frozen=True)
class DropMidStream:
    """Stream ``after`` pieces of ``text``, then close the connection in the middle of the body.

    A request that did not ask for a stream gets half of its JSON body, then the connection closes.
    """

    after: int = 2
    text: str = "This stream is cut off part of the way through."


@dataclass(frozen=True)
class EndsEarly:
    """Stream ``after`` pieces of ``text``, then end the body cleanly without the closing events.

    That is, no ``finish_reason`` and ``[DONE]`` (OpenAI) or no ``message_stop`` (Anthropic).
    """

    after: int = 2
    text: str = "This stream stops without saying it is finished."


@dataclass(frozen=True)
class StreamErrorEvent:
    """Stream ``after`` pieces of ``text``, then an error event in the API's own format.

    A request that did not ask for a stream gets the same error as an HTTP 500.
    """

    after: int = 1
    message: str = "Overloaded"
    text: str = "This stream ends in an error event."


@dataclass(frozen=True)
class ToolCalls:
    """Answer (OpenAI, not streamed) with these tool calls: (id, name, JSON arguments) each."""

    calls: tuple[tuple[str, str, str], ...]


Reply = Answer | Status | Hang | Malformed | NoText | DropMidStream | EndsEarly | StreamErrorEvent | ToolCalls


@dataclass(frozen=True)
class Received:
    """One request as the server saw it: path, headers (lower-cased names) and the JSON body."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any


def pieces(text: str) -> list[str]:
    """Split text into stream pieces (words with their trailing space) that join back to it."""
    return re.findall(r"\S+\s*|\s+", text)


# --- the server -------------------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    # Handler threads are joined by server_close(), so a test never leaves one running; a hang
    # waits on `closing` and therefore ends as soon as the server shuts down.
    daemon_threads = False
    block_on_close = True

    def __init__(self, api: ScriptedAPI) -> None:
        self.api = api
        self.closing = threading.Event()
        super().__init__(("127.0.0.1", 0), _Handler)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 10  # a client that connects and then says nothing cannot hold a thread forever
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the per-request access log; `ScriptedAPI.requests` records every request."""

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length)
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        headers = {k.lower(): v for k, v in self.headers.items()}
        self.server.api.requests.append(Received("POST", self.path, headers, body))
        if self.path not in (OPENAI_PATH, ANTHROPIC_PATH):
            self._json(404, {"error": {"message": f"no route for {self.path}", "type": "not_found"}})
            return
        reply = self.server.api.next_reply()
        streaming = isinstance(body, dict) and body.get("stream") is True
        try:
            self._answer(reply, body if isinstance(body, dict) else {}, streaming)
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up first (its timeout, or it closed a stream early): nothing to tell it.
            self.close_connection = True

    # -- replies --

    def _answer(self, reply: Reply, body: dict[str, Any], streaming: bool) -> None:
        anthropic = self.path == ANTHROPIC_PATH
        match reply:
            case Status(code, message):
                self._json(code, _anthropic_error(message) if anthropic else _openai_error(message, code))
            case Hang(seconds, after, text):
                if streaming and after is not None:
                    self._start_stream()
                    for event in self._events(body, pieces(text)[:after], finish=False):
                        self._chunk(event)
                self.server.closing.wait(seconds)
                self.close_connection = True
            case Malformed():
                if streaming:
                    self._start_stream()
                    event = "event: content_block_delta\n" if anthropic else ""
                    self._chunk(event + 'data: {"this is": not json\n\n')
                    self._end_stream()
                else:
                    self._raw(200, b'{"id": "broken", "choices": [', "application/json")
            case ToolCalls(calls):
                answer = _openai_completion(body, None)
                answer["choices"][0]["message"]["tool_calls"] = [
                    {"id": i, "type": "function", "function": {"name": n, "arguments": a}} for i, n, a in calls]
                answer["choices"][0]["finish_reason"] = "tool_calls"
                self._json(200, answer)
            case NoText():
                if streaming:
                    self._start_stream()
                    for event in self._events(body, [], finish=True):
                        self._chunk(event)
                    self._end_stream()
                else:
                    self._json(200, _anthropic_message(body, None) if anthropic else _openai_completion(body, None))
            case DropMidStream(after, text) if streaming:
                self._start_stream()
                for event in self._events(body, pieces(text)[:after], finish=False):
                    self._chunk(event)
                self.close_connection = True  # no terminating chunk: the body is cut short
            case DropMidStream(_, text):
                whole = json.dumps(_anthropic_message(body, text) if anthropic else _openai_completion(body, text))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(whole)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(whole[: len(whole) // 2].encode())
                self.close_connection = True
            case EndsEarly(after, text):
                self._start_stream()
                for event in self._events(body, pieces(text)[:after], finish=False):
                    self._chunk(event)
                self._end_stream()
            case StreamErrorEvent(_, message, _) if not streaming:
                self._json(500, _anthropic_error(message) if anthropic else _openai_error(message, 500))
            case StreamErrorEvent(after, message, text):
                self._start_stream()
                for event in self._events(body, pieces(text)[:after], finish=False):
                    self._chunk(event)
                if anthropic:
                    self._chunk(_sse(_anthropic_error(message, "overloaded_error"), "error"))
                else:
                    self._chunk(_sse(_openai_error(message, 500)))
                self._end_stream()
            case Answer(text):
                if streaming:
                    self._start_stream()
                    for event in self._events(body, pieces(text), finish=True):
                        self._chunk(event)
                    self._end_stream()
                else:
                    self._json(200, _anthropic_message(body, text) if anthropic else _openai_completion(body, text))

    def _events(self, body: dict[str, Any], parts: list[str], *, finish: bool) -> Iterator[str]:
        if self.path == ANTHROPIC_PATH:
            return _anthropic_events(body, parts, finish=finish)
        return _openai_events(body, parts, finish=finish)

    # -- wire --

    def _json(self, status: int, payload: Any) -> None:
        self._raw(status, json.dumps(payload).encode(), "application/json")

    def _raw(self, status: int, data: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)
        self.close_connection = True

    def _start_stream(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True

    def _chunk(self, text: str) -> None:
        data = text.encode()
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _end_stream(self) -> None:
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()


# --- the two wire formats ---------------------------------------------------------------------


def _sse(payload: Any, event: str | None = None) -> str:
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {json.dumps(payload)}\n\n"


def _openai_error(message: str, code: int) -> dict[str, Any]:
    kind = {401: "invalid_request_error", 429: "rate_limit_exceeded"}.get(code, "server_error")
    return {"error": {"message": message, "type": kind, "param": None, "code": None}}


def _openai_completion(body: dict[str, Any], text: str | None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-scripted",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model", "scripted"),
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                     "finish_reason": "stop", "logprobs": None}],
        "usage": {"prompt_tokens": 3, "completion_tokens": len(pieces(text or "")),
                  "total_tokens": 3 + len(pieces(text or ""))},
    }


def _openai_events(body: dict[str, Any], parts: list[str], *, finish: bool) -> Iterator[str]:
    def chunk(delta: dict[str, Any], finish_reason: str | None = None) -> str:
        return _sse({"id": "chatcmpl-scripted", "object": "chat.completion.chunk", "created": int(time.time()),
                     "model": body.get("model", "scripted"),
                     "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason, "logprobs": None}]})

    # Real servers open with a role-only delta and close with an empty delta carrying finish_reason.
    yield chunk({"role": "assistant", "content": ""})
    for part in parts:
        yield chunk({"content": part})
    if finish:
        yield chunk({}, "stop")
        yield "data: [DONE]\n\n"


def _anthropic_error(message: str, kind: str = "api_error") -> dict[str, Any]:
    return {"type": "error", "error": {"type": kind, "message": message}}


def _anthropic_message(body: dict[str, Any], text: str | None, *, streaming: bool = False) -> dict[str, Any]:
    content = [] if text is None else [{"type": "text", "text": text}]
    return {
        "id": "msg_scripted",
        "type": "message",
        "role": "assistant",
        "model": body.get("model", "scripted"),
        "content": content,
        "stop_reason": None if streaming else "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": 3, "output_tokens": len(pieces(text or ""))},
    }


def _anthropic_events(body: dict[str, Any], parts: list[str], *, finish: bool) -> Iterator[str]:
    yield _sse({"type": "message_start", "message": _anthropic_message(body, None, streaming=True)}, "message_start")
    yield _sse({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
               "content_block_start")
    yield _sse({"type": "ping"}, "ping")
    for part in parts:
        yield _sse({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": part}},
                   "content_block_delta")
    if finish:
        yield _sse({"type": "content_block_stop", "index": 0}, "content_block_stop")
        yield _sse({"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                    "usage": {"output_tokens": len(parts)}}, "message_delta")
        yield _sse({"type": "message_stop"}, "message_stop")


# --- the handle a test holds ------------------------------------------------------------------


@dataclass
class ScriptedAPI:
    """A running scripted server: queue replies with `script`, read what arrived in `requests`."""

    default: Reply = field(default_factory=Answer)
    requests: list[Received] = field(default_factory=list)
    _queue: deque[Reply] = field(default_factory=deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: _Server | None = None
    _thread: threading.Thread | None = None

    def start(self) -> ScriptedAPI:
        """Bind to a free port on 127.0.0.1 and serve from a background thread."""
        self._server = _Server(self)
        # A short poll interval: shutdown() waits up to one interval, and every test shuts a server down.
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02},
                                        name="scripted-api", daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        """Wake any hanging handler, stop serving, close the socket and join every thread."""
        if self._server is None:
            return
        self._server.closing.set()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join()
        self._server = None
        self._thread = None

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``, the server's root."""
        if self._server is None:
            raise RuntimeError("the scripted API is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def openai_base_url(self) -> str:
        """What an OpenAI client takes as ``base_url`` (it appends ``/chat/completions``)."""
        return self.url + "/v1"

    @property
    def anthropic_base_url(self) -> str:
        """What an Anthropic client takes as ``base_url`` (it appends ``/v1/messages``)."""
        return self.url

    def script(self, *replies: Reply) -> None:
        """Queue replies for the next requests, in order; after them the default answer is used."""
        with self._lock:
            self._queue.extend(replies)

    def next_reply(self) -> Reply:
        """The reply for the request being handled now."""
        with self._lock:
            return self._queue.popleft() if self._queue else self.default

    @property
    def last(self) -> Received:
        """The most recent request (fails the test if none arrived)."""
        assert self.requests, "the scripted API received no request"
        return self.requests[-1]


@contextmanager
def scripted_api(default: Reply | None = None) -> Iterator[ScriptedAPI]:
    """Run a scripted server for the duration of a ``with`` block, and shut it down cleanly."""
    api = ScriptedAPI(default=default or Answer()).start()
    try:
        yield api
    finally:
        api.close()


def unused_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released), for connection errors."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port
