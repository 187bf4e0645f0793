"""A real PostgreSQL for the audit tests: a throwaway cluster per test session.

`postgres_server` yields a SQLAlchemy URL. ``CHARTER_TEST_DATABASE_URL`` points the tests at
an existing server instead. Otherwise the fixture runs ``initdb`` into a temporary directory
(as the ``postgres`` OS user when the tests run as root, since PostgreSQL refuses to), starts
the server on a free port of 127.0.0.1 with its socket in that directory, and removes it all
afterwards. Without the PostgreSQL binaries the PostgreSQL tests are skipped, unless
``CHARTER_REQUIRE_POSTGRES=1`` (CI), which makes that a failure.

`fresh_schema` gives each test its own empty schema on that server, dropped afterwards.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

import pytest
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.pool import NullPool

INSTALL = "apt-get update && apt-get install -y postgresql"
DATABASE = "charter_test"


def find_bin_dir() -> Path | None:
    """The newest installed PostgreSQL's bin directory (Debian layout first, then PATH)."""
    found = [Path(p).parent for p in glob.glob("/usr/lib/postgresql/*/bin/initdb")]
    if found:
        return max(found, key=lambda bin_dir: int(bin_dir.parent.name) if bin_dir.parent.name.isdigit() else 0)
    on_path = shutil.which("initdb")
    return Path(on_path).parent if on_path else None


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A SQLAlchemy URL for a PostgreSQL database that lives for the whole test session."""
    configured = os.environ.get("CHARTER_TEST_DATABASE_URL", "").strip()
    if configured:
        yield configured
        return
    required = os.environ.get("CHARTER_REQUIRE_POSTGRES") == "1"
    try:
        import psycopg  # noqa: F401
    except ModuleNotFoundError:
        _unavailable("psycopg is not installed: pip install 'charter[postgres]'", required)
    bin_dir = find_bin_dir()
    if bin_dir is None:
        _unavailable(f"PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb); install it with: {INSTALL}",
                     required)
    with _cluster(bin_dir) as url:
        yield url


def _unavailable(message: str, required: bool) -> NoReturn:
    if required:
        pytest.fail(f"CHARTER_REQUIRE_POSTGRES=1 but {message}", pytrace=False)
    pytest.skip(message)


@contextmanager
def _cluster(bin_dir: Path) -> Iterator[str]:
    root = Path(tempfile.mkdtemp(prefix="charter-pg-"))
    as_owner: list[str] = []
    if os.geteuid() == 0:  # initdb and postgres refuse to run as root
        shutil.chown(root, user="postgres")
        as_owner = ["runuser", "-u", "postgres", "--"]
    data, log = root / "data", root / "server.log"
    port = _free_port()
    started = False
    try:
        _run([*as_owner, str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust",
              "-E", "UTF8", "--locale=C", "--no-sync"])
        # No fsync: a test cluster that dies is simply thrown away.
        options = f"-h 127.0.0.1 -p {port} -k {root} -F -c full_page_writes=off"
        started = True
        _run([*as_owner, str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", "60",
              "-o", options, "start"], log=log)
        server = f"postgresql+psycopg://postgres@127.0.0.1:{port}"
        admin = create_engine(f"{server}/postgres", poolclass=NullPool, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.execute(text(f"CREATE DATABASE {DATABASE}"))
        finally:
            admin.dispose()
        yield f"{server}/{DATABASE}"
    finally:
        if started:
            subprocess.run([*as_owner, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                           capture_output=True, check=False)
        shutil.rmtree(root, ignore_errors=True)


def _run(argv: list[str], *, log: Path | None = None) -> None:
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        tail = log.read_text(errors="replace")[-2000:] if log is not None and log.exists() else ""
        raise RuntimeError(f"{' '.join(argv)} failed ({done.returncode}):\n{done.stdout}{done.stderr}{tail}")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def fresh_schema(server_url: str) -> Iterator[str]:
    """A URL whose connections see only a new, empty schema; the schema is dropped afterwards."""
    url = make_url(server_url)
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    name = f"charter_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{name}"'))
        try:
            yield url.update_query_dict({"options": f"-csearch_path={name}"}).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
    finally:
        admin.dispose()
