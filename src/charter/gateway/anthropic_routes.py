"""`POST /v1/messages`: the Anthropic Messages API, answered through Charter.

Honoured: ``model`` (echoed), ``system``, ``messages`` (``tool_use`` / ``tool_result`` blocks
included: results are assessed as non-principal data), ``max_tokens`` (required, as in the
API), ``temperature``, ``stream``, ``tools``, ``tool_choice``, ``metadata``. ``stop_sequences``,
``top_k``, ``top_p`` and extended ``thinking`` are refused with a 400 naming them, and unknown
parameters too. A request's ``tools`` go to backends that can call tools; each proposed call
passes Charter's tool gate, and only allowed calls come back as ``tool_use`` blocks. Streamed
requests with tools are answered whole, in the stream's shape.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from charter.gateway.errors import GatewayError
from charter.gateway.service import Caller, Gateway, charter_object, estimate_tokens
from charter.record import TurnRecord, allowed_calls

_HONOURED = {"model", "system", "messages", "max_tokens", "temperature", "stream", "tools", "tool_choice",
             "metadata", "service_tier"}
_DEFAULT_ONLY: dict[str, tuple[Any, ...]] = {"stop_sequences": (None, []), "top_k": (None,), "top_p": (None,),
                                             "thinking": (None, {"type": "disabled"})}


def parse(gateway: Gateway, body: dict[str, Any]) -> tuple[dict[str, Any], Any, bool]:
    """Validate a request: (conversation for Charter, generation options, stream?)."""
    unknown = sorted(set(body) - _HONOURED - set(_DEFAULT_ONLY))
    if unknown:
        raise GatewayError(400, f"unknown parameter(s): {', '.join(unknown)}")
    for name, ok in _DEFAULT_ONLY.items():
        if name in body and body[name] not in ok:
            raise GatewayError(400, f"{name}: {json.dumps(body[name])} is not supported by Charter's gateway")
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise GatewayError(400, "model: a model name is required")
    if "max_tokens" not in body:
        raise GatewayError(400, "max_tokens: field required")
    gateway.check_messages(body.get("messages"))
    stream = body.get("stream", False)
    if not isinstance(stream, bool):
        raise GatewayError(400, "stream: must be true or false")
    generation = gateway.generation(max_tokens=body["max_tokens"], temperature=body.get("temperature"), seed=None)
    tools = body.get("tools")
    if tools is not None:
        if not isinstance(tools, list) or not all(isinstance(t, dict) and isinstance(t.get("name"), str)
                                                  for t in tools):
            raise GatewayError(400, "tools: each tool needs a 'name'")
        choice = body.get("tool_choice") or {}
        if tools and not (isinstance(choice, dict) and choice.get("type") == "none"):
            generation = generation.model_copy(update={"tools": tuple(
                {"type": "function", "function": {"name": t["name"], "description": t.get("description", ""),
                                                  "parameters": t.get("input_schema") or {"type": "object"}}}
                for t in tools)})
    conversation: dict[str, Any] = {"messages": body["messages"]}
    if body.get("system") is not None:
        conversation["system"] = body["system"]
    return conversation, generation, stream


def content(record: TurnRecord) -> list[dict[str, Any]]:
    """Text, then a tool_use block for each call the gate allowed."""
    blocks: list[dict[str, Any]] = [{"type": "text", "text": record.output}] if record.output else []
    for call in allowed_calls(record):
        try:
            args = json.loads(call.arguments or "{}")
        except json.JSONDecodeError:
            args = {"arguments": call.arguments}
        blocks.append({"type": "tool_use", "id": call.id, "name": call.name,
                       "input": args if isinstance(args, dict) else {"arguments": args}})
    return blocks or [{"type": "text", "text": ""}]


def message(record: TurnRecord, model: str, conversation: dict[str, Any]) -> dict[str, Any]:
    blocks = content(record)
    return {
        "id": f"msg_{record.id}",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": blocks,
        "stop_reason": "tool_use" if any(b["type"] == "tool_use" for b in blocks) else "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": estimate_tokens(json.dumps(conversation, ensure_ascii=False)),
                  "output_tokens": estimate_tokens(record.output)},
        "charter": charter_object(record),
    }


def _event(kind: str, data: dict[str, Any]) -> str:
    return f"event: {kind}\ndata: {json.dumps({'type': kind, **data}, ensure_ascii=False)}\n\n"


def sse(gateway: Gateway, caller: Caller, model: str, conversation: dict[str, Any],
        generation: Any) -> tuple[Iterator[str], Any]:
    """Open the stream now (input errors are still a 4xx); return the SSE events and the stream."""
    stream = gateway.open_stream(caller, conversation, generation)
    input_tokens = estimate_tokens(json.dumps(conversation, ensure_ascii=False))

    def events() -> Iterator[str]:
        yield _event("message_start", {"message": {
            "id": f"msg_{stream.turn_id}", "type": "message", "role": "assistant", "model": model, "content": [],
            "stop_reason": None, "stop_sequence": None, "usage": {"input_tokens": input_tokens, "output_tokens": 0}}})
        yield _event("content_block_start", {"index": 0, "content_block": {"type": "text", "text": ""}})
        sent = ""
        for piece, end in gateway.pieces(caller, stream):
            if piece:
                sent += piece
                yield _event("content_block_delta", {"index": 0, "delta": {"type": "text_delta", "text": piece}})
                continue
            if end not in (None, "stopped"):
                yield _event("error", {"error": {"type": "api_error", "message": end}})
                return
            yield _event("content_block_stop", {"index": 0})
            extra: dict[str, Any] = {"charter": charter_object(stream.record)} if stream.record else {}
            if end == "stopped":
                extra.setdefault("charter", {})["stopped"] = "the operator's assistant was stopped by `charter stop`"
            yield _event("message_delta", {"delta": {"stop_reason": "end_turn", "stop_sequence": None},
                                           "usage": {"output_tokens": estimate_tokens(sent)}, **extra})
            yield _event("message_stop", {})
            return

    return events(), stream


def held_sse(record: TurnRecord, model: str, conversation: dict[str, Any]) -> Iterator[str]:
    """A whole, gated answer sent as Messages stream events (used when a request carries tools)."""
    whole = message(record, model, conversation)
    start = {**whole, "content": [], "stop_reason": None, "usage": {**whole["usage"], "output_tokens": 0}}
    start.pop("charter")
    yield _event("message_start", {"message": start})
    for i, block in enumerate(whole["content"]):
        if block["type"] == "text":
            yield _event("content_block_start", {"index": i, "content_block": {"type": "text", "text": ""}})
            yield _event("content_block_delta", {"index": i, "delta": {"type": "text_delta", "text": block["text"]}})
        else:
            yield _event("content_block_start", {"index": i, "content_block": {**block, "input": {}}})
            yield _event("content_block_delta", {"index": i, "delta": {
                "type": "input_json_delta", "partial_json": json.dumps(block["input"], ensure_ascii=False)}})
        yield _event("content_block_stop", {"index": i})
    yield _event("message_delta", {"delta": {"stop_reason": whole["stop_reason"], "stop_sequence": None},
                                   "usage": {"output_tokens": whole["usage"]["output_tokens"]},
                                   "charter": whole["charter"]})
    yield _event("message_stop", {})
