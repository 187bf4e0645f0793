"""The turns table: one row per assistant turn (schema documented in charter/audit/tables.py).

Revision ID: 0001
Revises: none
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "turns",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("operator", sa.String(255), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("backend", sa.String(255), nullable=False),
        sa.Column("streamed", sa.Boolean(), nullable=False),
        sa.Column("total_ms", sa.Float(), nullable=False),
        sa.Column("charter_ms", sa.Float(), nullable=False),
        sa.Column("hard_limit", sa.String(64), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("input", _json(), nullable=False),
        sa.Column("decision", _json(), nullable=False),
        sa.Column("attempts", _json(), nullable=False),
        sa.Column("repairs", _json(), nullable=False),
        sa.Column("review", _json(), nullable=True),
        sa.Column("timings", _json(), nullable=False),
        sa.Column("output", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_turns"),
    )
    op.create_index("ix_turns_operator_created_at", "turns", ["operator", "created_at"])
    op.create_index("ix_turns_created_at", "turns", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_turns_created_at", table_name="turns")
    op.drop_index("ix_turns_operator_created_at", table_name="turns")
    op.drop_table("turns")
