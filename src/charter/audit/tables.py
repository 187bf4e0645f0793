"""The audit store's schema: one row per assistant turn.

The models here are the truth; each change to them ships as a numbered Alembic migration in
``charter/audit/migrations/versions`` (a test compares the two, so they cannot drift). The
schema is portable: the same migrations run on SQLite and PostgreSQL.

Table ``turns`` — one `charter.record.TurnRecord`:

=============  ==========================  ==================================================
column         type                        meaning
=============  ==========================  ==================================================
id             varchar(32), primary key    the turn id (32 hex characters by default)
created_at     timestamp with time zone    when the turn started, stored in UTC
operator       varchar(255), not null      the deployment the turn ran under
action         varchar(32), not null       the decision's action: help | help_with_care |
                                           partial | decline
outcome        varchar(16), not null       ok | repaired | fallback | blocked | failed
backend        varchar(255), not null      the backend that wrote the words
streamed       boolean, not null           whether the answer was streamed to the client
total_ms       float, not null             wall time of the whole turn
charter_ms     float, not null             Charter's own share: total minus generation
hard_limit     varchar(64), null           the hard limit the decision hit, if any
error          text, null                  the backend error, when the turn failed
input          JSON, not null              the principal-tagged messages (`Message` list)
decision       JSON, not null              the full `Decision`, signal notes included
attempts       JSON, not null              each answer the backend wrote, with its review
repairs        JSON, not null              what Charter changed, and the rule behind each
review         JSON, null                  the review of what was finally sent (null if nothing was)
timings        JSON, not null              milliseconds per stage (`Timings`)
output         text, not null              the text the client received
=============  ==========================  ==================================================

The scalar columns repeat what the JSON holds so that a person (or a dashboard) can filter
turns with plain SQL; the JSON columns are what `TurnRecord` is rebuilt from. On PostgreSQL
the JSON columns are ``jsonb``. Indexes: ``(operator, created_at)`` for one operator's
newest turns, and ``created_at`` for everyone's. Alembic keeps its revision in
``alembic_version`` beside the table.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Float, Index, MetaData, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Named constraints and indexes, so a later migration can drop or alter them by name on both
# databases (SQLite's batch mode needs names to recreate a table faithfully).
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# JSON everywhere; jsonb on PostgreSQL, where it can be indexed and queried.
Json = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    """Declarative base for the audit tables."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class TurnRow(Base):
    """One row of ``turns``: a `TurnRecord` flattened for the database."""

    __tablename__ = "turns"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    operator: Mapped[str] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(32))
    outcome: Mapped[str] = mapped_column(String(16))
    backend: Mapped[str] = mapped_column(String(255))
    streamed: Mapped[bool]
    total_ms: Mapped[float] = mapped_column(Float)
    charter_ms: Mapped[float] = mapped_column(Float)
    hard_limit: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(Text)
    input: Mapped[list[Any]] = mapped_column(Json)
    decision: Mapped[dict[str, Any]] = mapped_column(Json)
    attempts: Mapped[list[Any]] = mapped_column(Json)
    repairs: Mapped[list[Any]] = mapped_column(Json)
    review: Mapped[dict[str, Any] | None] = mapped_column(Json, nullable=True)
    timings: Mapped[dict[str, Any]] = mapped_column(Json)
    output: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        Index("ix_turns_operator_created_at", "operator", "created_at"),
        Index("ix_turns_created_at", "created_at"),
    )


# Longest values the varchar columns take; the store checks them first, so an over-long value
# is a clear error on SQLite too (which would otherwise store it silently).
LIMITS: dict[str, int] = {"id": 32, "operator": 255, "backend": 255, "action": 32, "outcome": 16, "hard_limit": 64}
