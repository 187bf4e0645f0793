"""`Database`: the plumbing the stores beside `AuditStore` share (operators, oversight controls).

It opens Charter's one database through `open_engine` (so the schema is migrated exactly as the
audit store migrates it), hands out sessions, and turns driver failures into `AuditError`s that
name the database with its password masked.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from charter.audit.store import _SQLITE_WRITE_LOCK, AuditError, ClosesOnExit, _reason, open_engine

__all__ = ["Conflict", "Database", "DatabaseStore", "utc"]


class Conflict(AuditError):
    """A write broke a unique constraint (e.g. two processes adding the same name at once)."""


class Database:
    """An open, migrated Charter database: ``reading`` and ``writing`` sessions, then ``close``."""

    def __init__(self, url: str | None, owner: str) -> None:
        self.engine, self.url, self.applied = open_engine(url)
        self._owner = owner
        self._reads = sessionmaker(self.engine, expire_on_commit=False)
        # On SQLite a write transaction takes the write lock at BEGIN: a read-then-write transaction
        # that started as a reader cannot always upgrade when another process wrote meanwhile.
        self._writes = sessionmaker(self.engine.execution_options(**{_SQLITE_WRITE_LOCK: True}),
                                    expire_on_commit=False)
        self._closed = False

    @contextmanager
    def reading(self, what: str) -> Iterator[Session]:
        """A session for queries; a driver failure becomes an `AuditError` naming ``what``."""
        try:
            with self._sessionmaker(self._reads)() as session:
                yield session
        except SQLAlchemyError as exc:
            raise AuditError(f"could not read {what} from {self.url}: {_reason(exc)}") from exc

    @contextmanager
    def writing(self, what: str) -> Iterator[Session]:
        """A session in one transaction, committed at the end; `Conflict` on a unique-key clash."""
        try:
            with self._sessionmaker(self._writes).begin() as session:
                yield session
        except IntegrityError as exc:
            raise Conflict(f"could not write {what} to {self.url}: {_reason(exc)}") from exc
        except SQLAlchemyError as exc:
            raise AuditError(f"could not write {what} to {self.url}: {_reason(exc)}") from exc

    def close(self) -> None:
        """Release the connections; later use raises `AuditError`."""
        self._closed = True
        self.engine.dispose()

    def _sessionmaker(self, maker: sessionmaker[Session]) -> sessionmaker[Session]:
        if self._closed:
            raise AuditError(f"the {self._owner} for {self.url} is closed")
        return maker


def utc(value: datetime) -> datetime:
    """A timestamp read back from the database, in UTC (SQLite returns them without a zone)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class DatabaseStore(ClosesOnExit):
    """What every store on `Database` shares: opening, the masked URL, and its lifetime."""

    kind = "store"  # named in errors about a closed store, e.g. "operator store"

    def __init__(self, url: str | None = None) -> None:
        self._db = Database(url, self.kind)
        self.url = self._db.url
        """The database URL with any password masked."""
        self.applied = self._db.applied
        """Migrations this open applied, oldest first; empty when the schema was current."""

    def close(self) -> None:
        """Release the database connections; the store cannot be used afterwards."""
        self._db.close()

