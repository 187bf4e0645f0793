"""The audit store: every turn Charter handles, written down.

``AuditStore(url)`` opens SQLite (default: ``charter.db`` in the data directory) or
PostgreSQL, migrates the schema to the newest revision, and records `TurnRecord`s;
``charter log`` reads them back. The schema is documented in `charter.audit.tables`;
schema changes are numbered Alembic migrations in ``charter/audit/migrations/versions``,
applied automatically when a store is opened.
"""

from __future__ import annotations

from charter.audit.store import MIN_PREFIX, AmbiguousTurnId, AuditError, AuditStore, alembic_config, masked_url

__all__ = ["MIN_PREFIX", "AmbiguousTurnId", "AuditError", "AuditStore", "alembic_config", "masked_url"]
