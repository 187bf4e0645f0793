"""The gateway's settings: where it listens, which backend writes, and its limits."""

from __future__ import annotations

import ipaddress

from pydantic import BaseModel, ConfigDict, Field


class GatewaySettings(BaseModel):
    """Everything `charter serve` can be told; the defaults suit one machine on loopback."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    database_url: str | None = None  # default: paths.database_url()
    backend: str = "embedded"  # a name resolve_backend understands
    backends_file: str | None = None
    default_policy: str | None = None  # policy file for the keyless default operator
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    max_messages: int = Field(default=256, ge=1)
    max_tokens_cap: int = Field(default=4096, ge=1)
    max_concurrency: int = Field(default=8, ge=1)
    queue_timeout_s: float = Field(default=30.0, gt=0)  # how long a request may wait for a free slot
    backend_timeout_s: float = Field(default=120.0, gt=0)
    max_attempts: int = Field(default=3, ge=1)
    control_ttl_s: float = Field(default=0.5, gt=0)  # how stale a pause/stop may be in this process

    @property
    def loopback(self) -> bool:
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False
