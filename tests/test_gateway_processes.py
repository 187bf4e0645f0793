"""Two `charter serve` processes sharing one database: oversight reaches both within a second."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway_server import serve_process
from pg import fresh_schema, postgres_server

__all__ = ["postgres_server"]


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/shared.db"
    else:
        with fresh_schema(request.getfixturevalue("postgres_server")) as url:
            yield url


def ask(base: str) -> tuple[int, str]:
    body = json.dumps({"model": "charter", "messages": [{"role": "user", "content": "hi"}]}).encode()
    req = urllib.request.Request(f"{base}/v1/chat/completions", data=body, method="POST",
                                 headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as res:
            return res.status, res.read().decode()
    except urllib.error.HTTPError as err:
        text = err.read().decode()
        err.close()
        return err.code, text


def charter(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", "from charter.cli import main; raise SystemExit(main())", *args],
                          capture_output=True, text=True, timeout=60, env={"CHARTER_DATA_DIR": str(data_dir),
                                                                           "PATH": "/usr/bin:/bin"})


def until(check: object, seconds: float) -> float:
    """Poll ``check()`` until true; return how long it took (fails after ``seconds``)."""
    start = time.monotonic()
    while not check():  # type: ignore[operator]
        if time.monotonic() - start > seconds:
            pytest.fail(f"not true within {seconds} s")
        time.sleep(0.05)
    return time.monotonic() - start


def test_pause_from_the_cli_reaches_two_gateway_processes_within_a_second(database_url: str, tmp_path: Path) -> None:
    with serve_process(database_url, "--backend", "fake:helpful", data_dir=tmp_path) as one, \
            serve_process(database_url, "--backend", "fake:helpful", data_dir=tmp_path) as two:
        assert ask(one)[0] == 200 and ask(two)[0] == 200
        paused = charter("pause", "--operator", "default", "--reason", "drill", "--database", database_url,
                         data_dir=tmp_path)
        assert paused.returncode == 0, paused.stderr
        took = max(until(lambda: ask(one)[0] == 503, 5), until(lambda: ask(two)[0] == 503, 5))
        assert took < 1.0
        status, body = ask(two)
        assert status == 503 and "drill" in body
        resumed = charter("resume", "--operator", "default", "--database", database_url, data_dir=tmp_path)
        assert resumed.returncode == 0, resumed.stderr
        until(lambda: ask(one)[0] == 200 and ask(two)[0] == 200, 5)
