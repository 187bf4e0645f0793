"""A real gateway on 127.0.0.1 for tests: uvicorn in a thread, or `charter serve` in a subprocess."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn

from charter.backends import Backend
from charter.gateway import GatewaySettings, create_app


class LiveGateway:
    """A running gateway: ``url`` is its base (``http://127.0.0.1:PORT``)."""

    def __init__(self, server: uvicorn.Server, thread: threading.Thread, url: str) -> None:
        self.server = server
        self.thread = thread
        self.url = url

    @property
    def v1(self) -> str:
        return f"{self.url}/v1"


@contextmanager
def live_gateway(settings: GatewaySettings, backend: Backend | None = None) -> Iterator[LiveGateway]:
    """Serve ``create_app(settings, backend=backend)`` on a free loopback port until the block ends."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(create_app(settings, backend=backend), log_level="warning", lifespan="on",
                            timeout_graceful_shutdown=5)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            sock.close()
            raise RuntimeError("the gateway did not start")
        time.sleep(0.02)
    try:
        yield LiveGateway(server, thread, f"http://127.0.0.1:{port}")
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def serve_process(database_url: str, *args: str, data_dir: Path) -> Iterator[str]:
    """`charter serve` as its own process on a free port; yields its base URL once /healthz answers."""
    port = free_port()
    env = {**os.environ, "CHARTER_DATA_DIR": str(data_dir)}
    env.pop("CHARTER_DATABASE_URL", None)
    proc = subprocess.Popen([sys.executable, "-c", "from charter.cli import main; raise SystemExit(main())",
                             "serve", "--port", str(port),
                             "--database", database_url, *args],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                detail = proc.stderr.read() if proc.stderr else ""
                raise RuntimeError(f"charter serve exited with {proc.returncode}: {detail}")
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=1) as answer:
                    if answer.status == 200:
                        break
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("charter serve did not answer /healthz within 60 s")
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stderr:
            proc.stderr.close()
