"""`POST /v1/messages`: the Anthropic Messages API, answered through Charter.

Honoured: ``model`` (echoed), ``system``, ``messages`` (``tool_use`` / ``tool_result`` blocks
included: results are assessed as non-principal data), ``max_tokens`` (required, as in the
API), ``temperature``, ``stream``, ``tools``, ``tool_choice``, ``metadata``. ``stop_sequences``,
``top_k``, ``top_p`` and extended ``thinking`` are refused with a 400 naming them, and unknown
parameters too. Answers are text; no ``tool_use`` blocks are generated in this version.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from charter.gateway.errors import GatewayError
from charter.gateway.service import Caller, Gateway, charter_object, estimate_tokens
from charter.record import TurnRecord

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
    conversation: dict[str, Any] = {"messages": body["messages"]}
    if body.get("system") is not None:
        conversation["system"] = body["system"]
    return conversation, generation, stream


def message(record: TurnRecord, model: str, conversation: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": f"msg_{record.id}",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [{"type": "text", "text": record.output}],
        "stop_reason": "end_turn",
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
