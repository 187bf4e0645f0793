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
tool_calls     JSON, null                  tool calls the model proposed, each with the gate's decision
                                           (added by migration 0004)
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

from sqlalchemy import JSON, CheckConstraint, DateTime, Float, Index, Integer, MetaData, String, Text
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
    tool_calls: Mapped[list[Any] | None] = mapped_column(Json, nullable=True)
    timings: Mapped[dict[str, Any]] = mapped_column(Json)
    output: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        Index("ix_turns_operator_created_at", "operator", "created_at"),
        Index("ix_turns_created_at", "created_at"),
    )


# Longest values the varchar columns take; the store checks them first, so an over-long value
# is a clear error on SQLite too (which would otherwise store it silently).
LIMITS: dict[str, int] = {"id": 32, "operator": 255, "backend": 255, "action": 32, "outcome": 16, "hard_limit": 64}


# --------------------------------------------------------------------------- operators and oversight
#
# Added by migration 0002. The gateway's API keys select an operator; people pause, resume and
# stop the assistant. Keys are never stored, only their SHA-256 (see `charter.operators`).
#
# Table ``operators`` — one deployment that calls the gateway with its own key:
#
#   name         varchar(63), primary key      [a-z0-9][a-z0-9_-]{0,62}
#   key_hash     varchar(64), not null, unique hex SHA-256 of the operator's API key (chk_...)
#   policy_yaml  text, null                    the operator policy as written (comments kept)
#   created_at   timestamp with time zone      when the operator was added (UTC)
#   updated_at   timestamp with time zone      last change of key or policy (UTC)
#
# Table ``admin_keys`` — keys for the gateway's oversight endpoints:
#
#   label        varchar(63), primary key      who or what holds the key
#   key_hash     varchar(64), not null, unique hex SHA-256 of the admin key (cha_...)
#   created_at   timestamp with time zone      when it was issued (UTC)
#
# Table ``controls`` — the current oversight switch of each scope (absent row: active):
#
#   scope        varchar(63), primary key      an operator name, or "*" for every operator
#   state        varchar(16), not null         active | paused | stopped
#   reason       text, not null                why (may be empty)
#   set_by       varchar(255), not null        who changed it, e.g. "ann via cli"
#   since        timestamp with time zone      when it changed (UTC)
#
# Table ``control_events`` — every change to ``controls``, never updated or deleted:
#
#   id           integer, primary key          increasing
#   at           timestamp with time zone      when (UTC); indexed
#   scope        varchar(63), not null         as in controls
#   action       varchar(16), not null         pause | resume | stop
#   reason       text, not null                as given
#   set_by       varchar(255), not null        as in controls


class OperatorRow(Base):
    """One row of ``operators``."""

    __tablename__ = "operators"

    name: Mapped[str] = mapped_column(String(63), primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    policy_yaml: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AdminKeyRow(Base):
    """One row of ``admin_keys``."""

    __tablename__ = "admin_keys"

    label: Mapped[str] = mapped_column(String(63), primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ControlRow(Base):
    """One row of ``controls``: the switch of one scope."""

    __tablename__ = "controls"

    scope: Mapped[str] = mapped_column(String(63), primary_key=True)
    state: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    set_by: Mapped[str] = mapped_column(String(255))
    since: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (CheckConstraint("state IN ('active', 'paused', 'stopped')", name="state"),)


class ControlEventRow(Base):
    """One row of ``control_events``: one pause, resume or stop."""

    __tablename__ = "control_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    scope: Mapped[str] = mapped_column(String(63))
    action: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    set_by: Mapped[str] = mapped_column(String(255))

    __table_args__ = (
        CheckConstraint("action IN ('pause', 'resume', 'stop')", name="action"),
        Index("ix_control_events_at", "at"),
    )


# Longest names and `set_by` values the tables above take (checked first, for the same reason as LIMITS).
NAME_LIMIT = 63
SET_BY_LIMIT = 255


# --------------------------------------------------------------------------- approvals
#
# Added by migration 0003. Tool calls the agent gate held for a person (`charter.agents.approvals`).
#
# Table ``approvals`` — one held tool call, decided at most once:
#
#   id                   varchar(16), primary key   "apr_" + 12 URL-safe random characters
#   created_at           timestamp with time zone   when the call was held (UTC)
#   operator             varchar(255), not null     the deployment whose agent made the call
#   tool                 varchar(255), not null     the tool's name
#   arguments            JSON, not null             the call's arguments: an object, or the raw string the
#                                                   model wrote when it was not a JSON object
#   reasons              JSON, not null             the gate's reasons for asking (a list of strings)
#   conversation_digest  varchar(128), null         a digest of the conversation the call came from
#   status               varchar(16), not null      pending | approved | denied
#   decided_by           varchar(255), null         who decided, e.g. "ann via cli" (null while pending)
#   decided_at           timestamp with time zone   when (UTC; null while pending)
#   note                 text, not null             the decider's note (empty while pending)
#
# Indexes: (status, created_at) for the queue of pending calls, (operator, created_at) for one
# operator's. A decision is one UPDATE ... WHERE status = 'pending', so of two people deciding
# at once exactly one wins.


class ApprovalRow(Base):
    """One row of ``approvals``."""

    __tablename__ = "approvals"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    operator: Mapped[str] = mapped_column(String(255))
    tool: Mapped[str] = mapped_column(String(255))
    arguments: Mapped[Any] = mapped_column(Json)
    reasons: Mapped[list[Any]] = mapped_column(Json)
    conversation_digest: Mapped[str | None] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16))
    decided_by: Mapped[str | None] = mapped_column(String(255))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    note: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint("status IN ('pending', 'approved', 'denied')", name="status"),
        Index("ix_approvals_status_created_at", "status", "created_at"),
        Index("ix_approvals_operator_created_at", "operator", "created_at"),
    )


# Longest values the approvals' varchar columns take (checked first, as LIMITS).
APPROVAL_LIMITS: dict[str, int] = {"operator": 255, "tool": 255, "conversation_digest": 128, "decided_by": 255}
