"""`POST /v1/chat/completions`: the OpenAI Chat Completions API, answered through Charter.

Honoured: ``model`` (echoed; a backend name from the backends file is not switched per
request in this version), ``messages`` (tool and function results included: they are
assessed as non-principal data), ``stream`` and ``stream_options.include_usage``,
``max_tokens`` / ``max_completion_tokens``, ``temperature``, ``seed``, ``tools``,
``tool_choice``, ``parallel_tool_calls``, ``user``, ``metadata``, ``store``. Parameters that
would change the answer in ways Charter cannot honour (``n`` > 1, ``logprobs``, ``stop``,
penalties, non-text ``response_format``, ``top_p`` < 1) are refused with a 400 naming them;
unknown parameters are refused too. A request's ``tools`` go to backends that can call tools
(OpenAI-compatible ones, and the scripted fake); every call the model proposes passes Charter's
tool gate first, and only allowed calls come back as ``tool_calls`` (what was blocked or sent
for confirmation is said in the text and in the ``charter`` object). Streamed requests with
tools are answered whole, in the stream's shape.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

from charter.gateway.errors import GatewayError
from charter.gateway.service import Caller, Gateway, charter_object, estimate_tokens
from charter.record import TurnRecord, allowed_calls

_HONOURED = {"model", "messages", "stream", "stream_options", "max_tokens", "max_completion_tokens", "temperature",
             "seed", "tools", "tool_choice", "parallel_tool_calls", "user", "metadata", "store", "functions",
             "function_call"}
# parameter -> the values that mean "as usual", which Charter accepts
_DEFAULT_ONLY: dict[str, tuple[Any, ...]] = {
    "n": (1, None), "logprobs": (False, None), "top_logprobs": (None, 0), "stop": (None, [], ""),
    "presence_penalty": (0, 0.0, None), "frequency_penalty": (0, 0.0, None), "top_p": (1, 1.0, None),
    "logit_bias": (None, {}), "response_format": (None, {"type": "text"}),
}


def parse(gateway: Gateway, body: dict[str, Any]) -> tuple[list[Any], Any, bool, bool]:
    """Validate a request: (messages, generation options, stream?, include usage in the stream?)."""
    unknown = sorted(set(body) - _HONOURED - set(_DEFAULT_ONLY))
    if unknown:
        raise GatewayError(400, f"unknown parameter(s): {', '.join(unknown)}", param=unknown[0])
    for name, ok in _DEFAULT_ONLY.items():
        if name in body and body[name] not in ok:
            raise GatewayError(400, f"'{name}'={json.dumps(body[name])} is not supported by Charter's gateway "
                                    f"(answers are reviewed one at a time, as plain text)", param=name)
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise GatewayError(400, "'model' is required (any name; GET /v1/models lists what this gateway serves)",
                           param="model")
    messages = body.get("messages")
    gateway.check_messages(messages)
    assert isinstance(messages, list)  # check_messages refuses anything else
    tools = body.get("tools")
    if tools is not None and not isinstance(tools, list):
        raise GatewayError(400, "'tools' must be an array", param="tools")
    stream = body.get("stream", False)
    if not isinstance(stream, bool):
        raise GatewayError(400, "'stream' must be true or false", param="stream")
    options = body.get("stream_options") or {}
    if not isinstance(options, dict):
        raise GatewayError(400, "'stream_options' must be an object", param="stream_options")
    max_tokens = body.get("max_completion_tokens", body.get("max_tokens"))
    generation = gateway.generation(max_tokens=max_tokens, temperature=body.get("temperature"),
                                    seed=body.get("seed"))
    if tools and body.get("tool_choice") != "none":
        generation = generation.model_copy(update={"tools": tuple(tools)})
    return messages, generation, stream, bool(options.get("include_usage"))


def tool_calls(record: TurnRecord) -> list[dict[str, Any]]:
    """The calls the gate allowed, in the OpenAI shape."""
    return [{"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
            for c in allowed_calls(record)]


def completion(record: TurnRecord, model: str, messages: list[Any]) -> dict[str, Any]:
    prompt_tokens = estimate_tokens(json.dumps(messages, ensure_ascii=False))
    completion_tokens = estimate_tokens(record.output)
    calls = tool_calls(record)
    message: dict[str, Any] = {"role": "assistant", "content": record.output or None, "refusal": None}
    if calls:
        message["tool_calls"] = calls
    return {
        "id": f"chatcmpl-{record.id}",
        "object": "chat.completion",
        "created": int(record.created_at.timestamp()),
        "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": "tool_calls" if calls else "stop",
                     "logprobs": None}],
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                  "total_tokens": prompt_tokens + completion_tokens},
        "charter": charter_object(record),
    }


def sse(gateway: Gateway, caller: Caller, model: str, messages: list[Any], generation: Any,
        include_usage: bool) -> tuple[Iterator[str], Any]:
    """Open the stream now (so input errors are still a 4xx); return the SSE lines and the stream."""
    stream = gateway.open_stream(caller, messages, generation)
    created = int(time.time())
    cid = f"chatcmpl-{stream.turn_id}"

    def chunk(delta: dict[str, Any], finish: str | None, **extra: Any) -> str:
        body = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}], **extra}
        return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"

    def lines() -> Iterator[str]:
        sent = ""
        first = True
        for piece, end in gateway.pieces(caller, stream):
            if piece:
                delta: dict[str, Any] = {"content": piece}
                if first:
                    delta["role"] = "assistant"
                    first = False
                sent += piece
                yield chunk(delta, None)
                continue
            record = stream.record
            extra: dict[str, Any] = {}
            if record is not None:
                extra["charter"] = charter_object(record)
            if end == "stopped":
                extra.setdefault("charter", {})["stopped"] = "the operator's assistant was stopped by `charter stop`"
            elif end is not None:
                yield f"data: {json.dumps({'error': {'message': end, 'type': 'backend_error'}})}\n\n"
                return
            yield chunk({}, "stop", **extra)
            if include_usage:
                p, c = estimate_tokens(json.dumps(messages, ensure_ascii=False)), estimate_tokens(sent)
                usage = {"id": cid, "object": "chat.completion.chunk",
                         "created": created, "model": model, "choices": [],
                         "usage": {"prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c}}
                yield f"data: {json.dumps(usage)}\n\n"
            yield "data: [DONE]\n\n"
            return

    return lines(), stream



def held_sse(record: TurnRecord, model: str, messages: list[Any], include_usage: bool) -> Iterator[str]:
    """A whole, gated answer sent in the streaming shape (used when a request carries tools)."""
    created = int(record.created_at.timestamp())
    cid = f"chatcmpl-{record.id}"

    def chunk(delta: dict[str, Any], finish: str | None, **extra: Any) -> str:
        body = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}], **extra}
        return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"

    calls = tool_calls(record)
    yield chunk({"role": "assistant", "content": record.output or ""}, None)
    for i, call in enumerate(calls):
        yield chunk({"tool_calls": [{"index": i, **call}]}, None)
    yield chunk({}, "tool_calls" if calls else "stop", charter=charter_object(record))
    if include_usage:
        p, c = estimate_tokens(json.dumps(messages, ensure_ascii=False)), estimate_tokens(record.output)
        usage = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": model, "choices": [],
                 "usage": {"prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c}}
        yield f"data: {json.dumps(usage)}\n\n"
    yield "data: [DONE]\n\n"
