"""The gateway: OpenAI- and Anthropic-compatible HTTP endpoints in front of Charter.

`create_app(settings)` builds the FastAPI application; `charter serve` runs it with uvicorn.
"""

from __future__ import annotations

from charter.gateway.app import create_app
from charter.gateway.settings import GatewaySettings

__all__ = ["GatewaySettings", "create_app"]
