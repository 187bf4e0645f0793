"""The gateway's FastAPI application, built by `create_app` (no module-level app).

Routes:

- ``POST /v1/chat/completions`` (OpenAI) and ``POST /v1/messages`` (Anthropic), streaming or
  not, each answer carrying a ``charter`` object beside the API's own fields;
- ``GET /v1/models``; ``POST /v1/charter/assess`` and ``POST /v1/charter/review`` (the CLI
  contracts over HTTP); ``GET /v1/charter/turns[/{id}]`` (the caller's own operator's audit
  records, never another's); ``GET /healthz``;
- ``POST /v1/admin/pause|resume|stop``, ``GET /v1/admin/approvals`` and
  ``POST /v1/admin/approvals/{id}/approve|deny`` (admin key only; the model and the operators'
  keys never reach them);
- the OpenAPI document at ``/openapi.json`` and its browser at ``/docs``.

Limits: request bodies over ``max_body_bytes`` get a 413 before they are read whole; more
than ``max_messages`` messages a 400; at most ``max_concurrency`` turns run at once.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, StreamingResponse

from charter.agents.approvals import AlreadyDecided, Approval, ApprovalError, ApprovalNotFound, ApprovalStore
from charter.backends import Backend
from charter.errors import CharterError, ConversationError, PolicyError
from charter.gateway import anthropic_routes, openai_routes
from charter.gateway.errors import GatewayError, error_response, flavour_of
from charter.gateway.service import Gateway
from charter.gateway.settings import GatewaySettings
from charter.oversight import Control

SSE_HEADERS = {"cache-control": "no-cache", "x-accel-buffering": "no"}


def create_app(settings: GatewaySettings | None = None, *, backend: Backend | None = None,
               gateway: Gateway | None = None) -> FastAPI:
    """A new gateway application. ``backend`` overrides the configured one (tests use a FakeBackend)."""
    settings = settings or GatewaySettings()
    state: dict[str, Gateway] = {}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state["gateway"] = gateway or Gateway(settings, backend=backend)
        try:
            yield
        finally:
            if gateway is None:
                state["gateway"].close()

    app = FastAPI(title="Charter gateway", version="0.1.0", lifespan=lifespan,
                  description="OpenAI- and Anthropic-compatible endpoints; every answer is decided, reviewed "
                              "and recorded by Charter.")

    def gw() -> Gateway:
        return state["gateway"]

    @app.middleware("http")
    async def limit_body(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        length = request.headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > settings.max_body_bytes:
            return error_response(flavour_of(request.url.path), GatewayError(
                413, f"request body is {int(length)} bytes; this gateway accepts at most {settings.max_body_bytes}"))
        return await call_next(request)

    @app.exception_handler(GatewayError)
    async def on_gateway_error(request: Request, exc: GatewayError) -> JSONResponse:
        return error_response(flavour_of(request.url.path), exc)

    async def body_of(request: Request) -> dict[str, Any]:
        raw = bytearray()
        async for chunk in request.stream():
            raw += chunk
            if len(raw) > settings.max_body_bytes:
                raise GatewayError(413, f"request body exceeds {settings.max_body_bytes} bytes")
        try:
            text = bytes(raw).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise GatewayError(400, f"request body is not valid UTF-8 (byte {exc.start})") from exc
        try:
            body = json.loads(text)
        except json.JSONDecodeError as exc:
            raise GatewayError(400, f"request body is not valid JSON: {exc.msg} at line {exc.lineno} column "
                                    f"{exc.colno}") from exc
        if not isinstance(body, dict):
            raise GatewayError(400, "request body must be a JSON object")
        return body

    # ------------------------------------------------------------------ the APIs

    @app.post("/v1/chat/completions", tags=["openai"], summary="OpenAI Chat Completions, through Charter")
    async def chat_completions(request: Request) -> Response:
        body = await body_of(request)
        g = gw()
        caller = await run_in_threadpool(g.caller, request.headers)
        messages, generation, stream, usage = openai_routes.parse(g, body)
        if stream and generation.tools:  # tool calls are gated whole before any of the answer is sent
            record = await run_in_threadpool(g.answer, caller, messages, generation)
            return StreamingResponse(openai_routes.held_sse(record, body["model"], messages, usage),
                                     media_type="text/event-stream", headers=SSE_HEADERS)
        if stream:
            lines, _ = await run_in_threadpool(openai_routes.sse, g, caller, body["model"], messages, generation,
                                               usage)
            return StreamingResponse(lines, media_type="text/event-stream", headers=SSE_HEADERS)
        record = await run_in_threadpool(g.answer, caller, messages, generation)
        return JSONResponse(openai_routes.completion(record, body["model"], messages))

    @app.post("/v1/messages", tags=["anthropic"], summary="Anthropic Messages, through Charter")
    async def messages(request: Request) -> Response:
        body = await body_of(request)
        g = gw()
        caller = await run_in_threadpool(g.caller, request.headers)
        conversation, generation, stream = anthropic_routes.parse(g, body)
        if stream and generation.tools:  # tool calls are gated whole before any of the answer is sent
            record = await run_in_threadpool(g.answer, caller, conversation, generation)
            return StreamingResponse(anthropic_routes.held_sse(record, body["model"], conversation),
                                     media_type="text/event-stream", headers=SSE_HEADERS)
        if stream:
            events, _ = await run_in_threadpool(anthropic_routes.sse, g, caller, body["model"], conversation,
                                                generation)
            return StreamingResponse(events, media_type="text/event-stream", headers=SSE_HEADERS)
        record = await run_in_threadpool(g.answer, caller, conversation, generation)
        return JSONResponse(anthropic_routes.message(record, body["model"], conversation))

    @app.get("/v1/models", tags=["openai"], summary="The model this gateway serves")
    async def models(request: Request) -> dict[str, Any]:
        g = gw()
        await run_in_threadpool(g.caller, request.headers)
        return {"object": "list", "data": [{"id": g.backend.name, "object": "model", "created": int(g.started),
                                            "owned_by": "charter"}]}

    # ------------------------------------------------------------------ Charter's own contracts

    @app.post("/v1/charter/assess", tags=["charter"], summary="Decide without generating (charter assess)")
    async def assess(request: Request) -> dict[str, object]:
        body = await body_of(request)
        g = gw()
        caller = await run_in_threadpool(g.caller, request.headers)
        conversation = _conversation(g, body, extra={"id"})

        def run() -> dict[str, object]:
            try:
                return g.charter.assess(conversation, policy=caller.policy, id=_id(body)).contract()
            except (ConversationError, PolicyError) as exc:
                raise GatewayError(400, str(exc)) from exc
        return await run_in_threadpool(run)

    @app.post("/v1/charter/review", tags=["charter"], summary="Judge a written response (charter review)")
    async def review(request: Request) -> dict[str, object]:
        body = await body_of(request)
        g = gw()
        caller = await run_in_threadpool(g.caller, request.headers)
        conversation = _conversation(g, body, extra={"id", "response"})
        response = body.get("response")
        if not isinstance(response, str):
            raise GatewayError(400, "'response' must be a string: the answer to judge", param="response")

        def run() -> dict[str, object]:
            try:
                return g.charter.review(conversation, response, policy=caller.policy, id=_id(body)).contract()
            except CharterError as exc:
                raise GatewayError(400, str(exc)) from exc
        return await run_in_threadpool(run)

    @app.get("/v1/charter/turns", tags=["charter"], summary="Your operator's latest recorded turns")
    async def turns(request: Request, limit: int = 20) -> dict[str, Any]:
        g = gw()
        caller = await run_in_threadpool(g.caller, request.headers)
        if not 1 <= limit <= 500:
            raise GatewayError(400, "'limit' must be from 1 to 500", param="limit")
        records = await run_in_threadpool(lambda: g.audit.latest(limit, operator=caller.operator))
        return {"object": "list", "data": [r.model_dump(mode="json") for r in records]}

    @app.get("/v1/charter/turns/{turn_id}", tags=["charter"], summary="One recorded turn of your operator")
    async def turn(request: Request, turn_id: str) -> dict[str, Any]:
        g = gw()
        caller = await run_in_threadpool(g.caller, request.headers)
        try:
            record = await run_in_threadpool(lambda: g.audit.get(turn_id, operator=caller.operator))
        except CharterError as exc:
            raise GatewayError(400, str(exc)) from exc
        if record is None:  # another operator's turn is as absent as a turn that never was
            raise GatewayError(404, f"no turn {turn_id!r} for this operator")
        return record.model_dump(mode="json")

    @app.get("/healthz", tags=["charter"], summary="Liveness, and whether keys are required")
    async def healthz() -> dict[str, Any]:
        g = gw()
        keyed = await run_in_threadpool(g.keys_required)
        return {"status": "ok", "backend": g.backend.name, "keys_required": keyed}

    # ------------------------------------------------------------------ oversight (admin key only)

    def admin(request: Request) -> str:
        g = gw()
        if not g.is_admin(request.headers):
            raise GatewayError(403, "an admin key is required (create one with `charter operators admin-key add`)")
        return "admin key via gateway"

    async def control(request: Request, action: str) -> dict[str, Any]:
        body = await body_of(request) if request.headers.get("content-length", "0") != "0" else {}
        by = await run_in_threadpool(admin, request)
        operator = body.get("operator")
        reason = body.get("reason") or ""
        if operator is not None and not isinstance(operator, str):
            raise GatewayError(400, "'operator' must be a string", param="operator")
        g = gw()

        def run() -> Control:
            try:
                if action == "pause":
                    g.control_store.pause(operator, reason, by=by)
                elif action == "stop":
                    g.control_store.stop(operator, reason, by=by)
                else:
                    g.control_store.resume(operator, by=by)
                return g.control_store.state(operator or "default")
            except CharterError as exc:
                raise GatewayError(400, str(exc)) from exc
        now = await run_in_threadpool(run)
        return {"operator": operator or "*", "state": now.state, "reason": now.reason}

    @app.post("/v1/admin/pause", tags=["oversight"], summary="Pause an operator (or all): new requests get 503")
    async def pause(request: Request) -> dict[str, Any]:
        return await control(request, "pause")

    @app.post("/v1/admin/resume", tags=["oversight"], summary="Resume an operator (or all)")
    async def resume(request: Request) -> dict[str, Any]:
        return await control(request, "resume")

    @app.post("/v1/admin/stop", tags=["oversight"], summary="Stop an operator (or all): also ends streams in flight")
    async def stop(request: Request) -> dict[str, Any]:
        return await control(request, "stop")

    # ------------------------------------------------------------------ approvals (admin key only)
    #
    # Tool calls the agent gate held for a person (`charter.agents.approvals`), in the gateway's database.
    def approval_store() -> ApprovalStore:
        return gw().approvals

    @app.get("/v1/admin/approvals", tags=["approvals"],
             summary="Held tool calls: ?status=pending (oldest first), approved or denied; none: all, newest first")
    async def approvals(request: Request, status: str | None = None, operator: str | None = None,
                        limit: int = 100) -> dict[str, Any]:
        await run_in_threadpool(admin, request)
        if not 1 <= limit <= 500:
            raise GatewayError(400, "'limit' must be from 1 to 500", param="limit")
        store = approval_store()

        def run() -> list[Approval]:
            try:
                if status == "pending":
                    return store.pending(operator=operator, limit=limit)
                return store.list(status=status, operator=operator, limit=limit)
            except ApprovalError as exc:
                raise GatewayError(400, str(exc), param="status") from exc
        found = await run_in_threadpool(run)
        return {"object": "list", "data": [a.model_dump(mode="json") for a in found]}

    async def decide(request: Request, approval_id: str, verb: str) -> dict[str, Any]:
        by = await run_in_threadpool(admin, request)  # the key first: a stranger learns nothing from the body
        chunked = "transfer-encoding" in request.headers
        body = await body_of(request) if chunked or request.headers.get("content-length", "0") != "0" else {}
        unknown = sorted(set(body) - {"note"})
        if unknown:
            raise GatewayError(400, f"unknown key(s): {', '.join(unknown)}; the body takes only 'note'")
        note = body.get("note") or ""
        if not isinstance(note, str):
            raise GatewayError(400, "'note' must be a string", param="note")
        store = approval_store()

        def run() -> Approval:
            try:
                if verb == "approve":
                    return store.approve(approval_id, by, note)
                return store.deny(approval_id, by, note)
            except ApprovalNotFound as exc:
                raise GatewayError(404, str(exc)) from exc
            except AlreadyDecided as exc:
                raise GatewayError(409, str(exc), code="already_decided") from exc
            except ApprovalError as exc:
                raise GatewayError(400, str(exc)) from exc
        return (await run_in_threadpool(run)).model_dump(mode="json")

    @app.post("/v1/admin/approvals/{approval_id}/approve", tags=["approvals"],
              summary="Approve a held tool call; optional body {\"note\": ...}")
    async def approve(request: Request, approval_id: str) -> dict[str, Any]:
        return await decide(request, approval_id, "approve")

    @app.post("/v1/admin/approvals/{approval_id}/deny", tags=["approvals"],
              summary="Deny a held tool call; optional body {\"note\": ...}; the agent is shown the note")
    async def deny(request: Request, approval_id: str) -> dict[str, Any]:
        return await decide(request, approval_id, "deny")

    return app


def _conversation(g: Gateway, body: dict[str, Any], *, extra: set[str]) -> Any:
    allowed = {"messages", "system", *extra}
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise GatewayError(400, f"unknown key(s): {', '.join(unknown)}; a request's policy comes from its "
                                "operator's key, never from the body")
    g.check_messages(body.get("messages"))
    return {"messages": body["messages"], **({"system": body["system"]} if "system" in body else {})}


def _id(body: dict[str, Any]) -> str | None:
    value = body.get("id")
    return value if isinstance(value, str) else None

