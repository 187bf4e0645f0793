"""`AuditStore`: writes each `TurnRecord` to a database and reads them back.

SQLite by default (a file in the data directory), PostgreSQL by URL. Opening a store brings
its schema to the newest migration first; that is idempotent, and safe when several processes
open the same database at once: the migration runs inside one transaction that holds a lock
(``BEGIN IMMEDIATE`` on SQLite, an advisory lock on PostgreSQL), and whoever gets the lock
second finds the work done. Every failure is an `AuditError` that names the database, with
any password masked.
"""

from __future__ import annotations

import re
import sqlite3
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC
from pathlib import Path
from time import monotonic, sleep
from types import TracebackType
from typing import Any, Self

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from pydantic import ValidationError
from sqlalchemy import ColumnElement, Connection, Engine, create_engine, event, func, select, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from charter import paths
from charter.audit.tables import LIMITS, TurnRow
from charter.errors import CharterError
from charter.record import TurnRecord

__all__ = ["MIN_PREFIX", "AmbiguousTurnId", "AuditError", "AuditStore", "alembic_config", "masked_url", "open_engine"]

# The shortest id prefix `get` will look up (ids are 32 hex characters; `charter log` shows 12).
MIN_PREFIX = 6
MIGRATIONS = "charter.audit:migrations"
# Any fixed 64-bit number, the same in every Charter process: the PostgreSQL advisory lock that
# serialises migrations.
_PG_MIGRATION_LOCK = 0x6368_6172_7465_7201
# Execution option that makes the SQLite `begin` hook take the write lock up front.
_SQLITE_WRITE_LOCK = "charter_sqlite_write_lock"
# How long a SQLite connection waits for another process's write to finish.
_SQLITE_BUSY_S = 30.0
_PASSWORD_IN_URL = re.compile(r"(://[^:/@]*:)[^@]*@")


class AuditError(CharterError):
    """The audit store could not be opened, written or read; the message names the database."""


class AmbiguousTurnId(AuditError, LookupError):
    """An id prefix given to `AuditStore.get` matches more than one turn."""


def masked_url(url: str | URL) -> str:
    """The URL with its password replaced by ``***``, for messages and logs."""
    if isinstance(url, URL):
        return url.render_as_string(hide_password=True)
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return _PASSWORD_IN_URL.sub(r"\1***@", url)


def alembic_config(url: str | None = None) -> Config:
    """An Alembic `Config` for the audit migrations; no ``alembic.ini`` needed.

    For developers adding a migration after changing `charter.audit.tables`::

        from alembic import command
        command.revision(alembic_config("sqlite:///dev.db"), autogenerate=True,
                         rev_id="0002", message="what changed")
    """
    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))  # ConfigParser interpolation
    return config


def open_engine(url: str | None = None) -> tuple[Engine, str, tuple[str, ...]]:
    """Open Charter's database and bring its schema to the newest migration.

    ``url`` defaults to `charter.paths.database_url`. Returns the engine, the URL with its
    password masked (for messages), and the migrations applied, oldest first (empty when the
    schema was current). Every store over this database opens it through here, so they share
    one migration history and one locking discipline. Failures are `AuditError`s.
    """
    parsed = _parse_url(url if url is not None else paths.database_url())
    shown = masked_url(parsed)
    engine = _create_engine(parsed, shown)
    try:
        return engine, shown, _upgrade(engine)
    except BaseException:
        engine.dispose()
        raise


class ClosesOnExit(ABC):
    """A store used as a context manager closes on exit, and shows its (masked) URL in its repr."""

    url: str

    @abstractmethod
    def close(self) -> None:
        """Release the store's connections; each store says how."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.url!r})"


class AuditStore(ClosesOnExit):
    """The audit store: ``record`` a turn, then ``get``, ``latest`` and ``count`` them.

    ``url`` is a SQLAlchemy URL (``sqlite:///path.db``, ``postgresql://user@host/db``); by
    default `charter.paths.database_url`. A plain ``postgresql://`` URL uses psycopg 3. Safe to
    share between threads; close it (or use it as a context manager) when done.
    """

    def __init__(self, url: str | None = None) -> None:
        self._engine, self.url, applied = open_engine(url)
        self.applied: tuple[str, ...] = applied
        """Migrations this open applied, oldest first; empty when the schema was current."""
        self._sessions = sessionmaker(self._engine, expire_on_commit=False)
        self._closed = False

    # ------------------------------------------------------------------ writing

    def record(self, turn: TurnRecord) -> None:
        """Write one turn in one transaction: afterwards the row is complete, or absent."""
        row = self._to_row(turn)
        try:
            with self._open().begin() as session:
                session.add(row)
        except IntegrityError as exc:
            raise AuditError(f"could not record turn {turn.id} in {self.url}: {_reason(exc)} "
                             "(is a turn with this id already recorded?)") from exc
        except SQLAlchemyError as exc:
            raise AuditError(f"could not record turn {turn.id} in {self.url}: {_reason(exc)}") from exc

    # ------------------------------------------------------------------ reading

    def get(self, turn_id: str, *, operator: str | None = None) -> TurnRecord | None:
        """The turn with this id, or with this unique id prefix (at least `MIN_PREFIX` characters).

        With ``operator``, only that operator's turns are visible. None when nothing matches;
        `AmbiguousTurnId` when a prefix matches several turns.
        """
        with self._reading(f"turn {turn_id!r}") as session:
            row = session.scalars(select(TurnRow).where(TurnRow.id == turn_id, *_visible(operator))).first()
            if row is None and MIN_PREFIX <= len(turn_id) < LIMITS["id"]:
                # substr rather than LIKE: LIKE ignores case on SQLite and would treat % and _ as wildcards.
                by_prefix = select(TurnRow).where(func.substr(TurnRow.id, 1, len(turn_id)) == turn_id,
                                                  *_visible(operator))
                rows = list(session.scalars(by_prefix.order_by(TurnRow.id).limit(2)))
                if len(rows) > 1:
                    raise AmbiguousTurnId(f"turn id prefix {turn_id!r} matches more than one turn in {self.url} "
                                          f"({rows[0].id}, {rows[1].id}, ...); give more characters")
                row = rows[0] if rows else None
            return None if row is None else self._from_row(row)

    def latest(self, limit: int = 20, *, operator: str | None = None) -> list[TurnRecord]:
        """Up to ``limit`` turns, newest first (optionally only one operator's)."""
        if limit < 0:
            raise ValueError(f"limit must be 0 or more, got {limit}")
        with self._reading("the latest turns") as session:
            stmt = select(TurnRow).where(*_visible(operator)).order_by(TurnRow.created_at.desc(), TurnRow.id.desc())
            return [self._from_row(row) for row in session.scalars(stmt.limit(limit))]

    def count(self, *, operator: str | None = None) -> int:
        """How many turns are recorded (optionally only one operator's)."""
        with self._reading("the number of turns") as session:
            stmt = select(func.count()).select_from(TurnRow).where(*_visible(operator))
            return int(session.scalar(stmt) or 0)

    # ------------------------------------------------------------------ lifetime

    def close(self) -> None:
        """Release the database connections; the store cannot be used afterwards."""
        self._closed = True
        self._engine.dispose()


    # ------------------------------------------------------------------ internals

    def _open(self) -> sessionmaker[Session]:
        if self._closed:
            raise AuditError(f"the audit store {self.url} is closed")
        return self._sessions

    @contextmanager
    def _reading(self, what: str) -> Iterator[Session]:
        try:
            with self._open()() as session:
                yield session
        except SQLAlchemyError as exc:
            raise AuditError(f"could not read {what} from {self.url}: {_reason(exc)}") from exc

    def _to_row(self, turn: TurnRecord) -> TurnRow:
        values = {"id": turn.id, "operator": turn.operator, "backend": turn.backend,
                  "action": turn.decision.action.value, "outcome": turn.outcome.value,
                  "hard_limit": turn.decision.hard_limit}
        for field, value in values.items():
            if value is not None and len(value) > LIMITS[field]:
                raise AuditError(f"could not record turn {turn.id[:40]!r} in {self.url}: {field} is {len(value)} "
                                 f"characters, longer than the {LIMITS[field]} the store allows")
        decision = turn.decision.model_dump(mode="json")
        # Signal.note is excluded from dumps (it feeds the reasons), but the audit keeps how each
        # signal was found; model_validate accepts it back.
        for dumped, signal in zip(decision["signals"], turn.decision.signals, strict=True):
            if signal.note:
                dumped["note"] = signal.note
        created = turn.created_at if turn.created_at.tzinfo else turn.created_at.replace(tzinfo=UTC)
        return TurnRow(
            id=turn.id, created_at=created.astimezone(UTC), operator=turn.operator,
            action=turn.decision.action.value, outcome=turn.outcome.value, backend=turn.backend,
            streamed=turn.streamed, total_ms=turn.timings.total_ms, charter_ms=turn.timings.charter_ms,
            hard_limit=turn.decision.hard_limit, error=turn.error,
            input=[m.model_dump(mode="json") for m in turn.input], decision=decision,
            attempts=[a.model_dump(mode="json") for a in turn.attempts],
            repairs=[r.model_dump(mode="json") for r in turn.repairs],
            review=turn.review.model_dump(mode="json") if turn.review is not None else None,
            tool_calls=[g.model_dump(mode="json") for g in turn.tool_calls],
            timings=turn.timings.model_dump(mode="json"), output=turn.output,
        )

    def _from_row(self, row: TurnRow) -> TurnRecord:
        # SQLite hands timestamps back without a zone; they were written in UTC.
        created = row.created_at.replace(tzinfo=UTC) if row.created_at.tzinfo is None else row.created_at
        try:
            return TurnRecord.model_validate({
                "id": row.id, "created_at": created.astimezone(UTC), "operator": row.operator,
                "input": row.input, "decision": row.decision, "backend": row.backend, "output": row.output,
                "outcome": row.outcome, "streamed": row.streamed, "attempts": row.attempts,
                "repairs": row.repairs, "review": row.review, "timings": row.timings, "error": row.error,
                "tool_calls": row.tool_calls or [],
            })
        except ValidationError as exc:
            raise AuditError(f"turn {row.id} in {self.url} does not match this Charter's TurnRecord "
                             f"(written by another version?): {exc}") from exc


def _visible(operator: str | None) -> list[ColumnElement[bool]]:
    """The condition that limits a query to one operator's turns (none: everyone's)."""
    return [] if operator is None else [TurnRow.operator == operator]


def _reason(exc: BaseException) -> str:
    """The driver's own message, first line: no SQL, no parameters (which may hold turn text)."""
    orig = getattr(exc, "orig", None)
    lines = str(orig if orig is not None else exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _parse_url(raw: str) -> URL:
    try:
        url = make_url(raw)
    except ArgumentError as exc:
        raise AuditError(f"not a database URL: {masked_url(raw)!r} (expected e.g. sqlite:///path/to/charter.db "
                         "or postgresql://user@host/dbname)") from exc
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")  # the driver `charter[postgres]` installs
    return url


def _create_engine(url: URL, shown: str) -> Engine:
    try:
        if url.get_backend_name() != "sqlite":
            return create_engine(url, pool_pre_ping=True)
        memory = url.database in (None, "", ":memory:") or url.query.get("mode") == "memory"
        if memory:
            # One shared connection, or each thread would see its own empty database.
            engine = create_engine(url, poolclass=StaticPool, connect_args={"check_same_thread": False})
        else:
            engine = create_engine(url, connect_args={"timeout": _SQLITE_BUSY_S})
    except ModuleNotFoundError as exc:
        hint = " (pip install 'charter[postgres]')" if url.get_backend_name() == "postgresql" else ""
        raise AuditError(f"cannot open {shown}: the database driver is not installed: {exc}{hint}") from exc
    except NoSuchModuleError as exc:
        raise AuditError(f"cannot open {shown}: unknown database kind {url.drivername!r} "
                         "(the audit store runs on sqlite and postgresql)") from exc
    except (ArgumentError, SQLAlchemyError) as exc:
        raise AuditError(f"cannot open {shown}: {_reason(exc)}") from exc
    _sqlite_transactions(engine, wal=not memory)
    return engine


def _sqlite_transactions(engine: Engine, *, wal: bool) -> None:
    """Let SQLAlchemy, not the sqlite3 module, start transactions (SQLAlchemy's documented recipe).

    The sqlite3 module otherwise begins transactions only before DML, so DDL would run outside
    them, and it cannot take the write lock up front, which the migration needs.
    """

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        if wal:
            _enable_wal(dbapi_connection)

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get(_SQLITE_WRITE_LOCK, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _enable_wal(dbapi_connection: Any) -> None:
    """Readers and one writer at once, so several gateway processes can share the file.

    The mode is stored in the file, so this writes only once. Switching needs the file to
    itself, and SQLite reports a busy file at once here instead of waiting, hence the retry.
    """
    if dbapi_connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
        return
    deadline = monotonic() + _SQLITE_BUSY_S
    while True:
        try:
            dbapi_connection.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or monotonic() > deadline:
                raise
            sleep(0.02)


def _upgrade(engine: Engine) -> tuple[str, ...]:
    """Bring the schema to the newest migration; return the revisions applied (none if current)."""
    shown = masked_url(engine.url)
    config = alembic_config()
    script = ScriptDirectory.from_config(config)
    heads = set(script.get_heads())
    try:
        with engine.connect() as conn:
            if _current(conn, script, shown) == heads:
                return ()  # the common case: no lock taken, nothing written
            conn.rollback()
            if engine.dialect.name == "sqlite":
                conn.execution_options(**{_SQLITE_WRITE_LOCK: True})
            with conn.begin():
                if engine.dialect.name == "postgresql":
                    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
                before = _current(conn, script, shown)  # again, under the lock: another process may have won
                if before == heads:
                    return ()
                config.attributes["connection"] = conn
                command.upgrade(config, "heads")
            lower = tuple(sorted(before)) or None
            return tuple(reversed([s.revision for s in script.iterate_revisions("heads", lower)]))
    except (SQLAlchemyError, CommandError) as exc:
        hint = ""
        if engine.dialect.name == "sqlite" and "unable to open" in _reason(exc) and engine.url.database:
            hint = f" (does {Path(engine.url.database).parent} exist, and may this user write there?)"
        raise AuditError(f"cannot open the audit store at {shown}: {_reason(exc)}{hint}") from exc


def _current(conn: Connection, script: ScriptDirectory, shown: str) -> set[str]:
    current = set(MigrationContext.configure(conn).get_current_heads())
    unknown = sorted(rev for rev in current if not _known(script, rev))
    if unknown:
        raise AuditError(f"the audit store at {shown} is at revision {', '.join(unknown)}, which this Charter "
                         "does not know (a newer Charter migrated it?); upgrade Charter to use it")
    return current


def _known(script: ScriptDirectory, revision: str) -> bool:
    try:
        return script.get_revision(revision) is not None
    except CommandError:  # alembic raises, rather than returning None, for an id it has never seen
        return False
