"""Errors in each API's own shape, so the official clients raise their usual exceptions."""

from __future__ import annotations

from typing import Literal

from fastapi.responses import JSONResponse

Flavour = Literal["openai", "anthropic", "charter"]

# HTTP status -> (OpenAI error type, Anthropic error type)
_TYPES: dict[int, tuple[str, str]] = {
    400: ("invalid_request_error", "invalid_request_error"),
    401: ("authentication_error", "authentication_error"),
    403: ("permission_error", "permission_error"),
    404: ("not_found_error", "not_found_error"),
    409: ("conflict_error", "invalid_request_error"),
    413: ("invalid_request_error", "request_too_large"),
    422: ("invalid_request_error", "invalid_request_error"),
    429: ("rate_limit_error", "rate_limit_error"),
    500: ("server_error", "api_error"),
    502: ("backend_error", "api_error"),
    503: ("service_unavailable", "overloaded_error"),
    504: ("backend_timeout", "api_error"),
}


class GatewayError(Exception):
    """A request the gateway answers with an error; ``status`` and ``message`` go to the client."""

    def __init__(self, status: int, message: str, *, param: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.param = param
        self.code = code


def error_body(flavour: Flavour, status: int, message: str, *, param: str | None = None,
               code: str | None = None) -> dict[str, object]:
    openai_type, anthropic_type = _TYPES.get(status, ("server_error", "api_error"))
    if flavour == "anthropic":
        return {"type": "error", "error": {"type": anthropic_type, "message": message}}
    return {"error": {"message": message, "type": openai_type, "param": param, "code": code}}


def error_response(flavour: Flavour, err: GatewayError) -> JSONResponse:
    headers = {"retry-after": "1"} if err.status in (429, 503) else None
    return JSONResponse(error_body(flavour, err.status, err.message, param=err.param, code=err.code),
                        status_code=err.status, headers=headers)


def flavour_of(path: str) -> Flavour:
    if path.startswith("/v1/messages"):
        return "anthropic"
    if path.startswith("/v1/charter") or path.startswith("/v1/admin"):
        return "charter"
    return "openai"
