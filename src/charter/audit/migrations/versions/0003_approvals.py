"""Approvals: tool calls held for a person to decide (schema documented in charter/audit/tables.py).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "approvals",
        sa.Column("id", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("operator", sa.String(255), nullable=False),
        sa.Column("tool", sa.String(255), nullable=False),
        sa.Column("arguments", _json(), nullable=False),
        sa.Column("reasons", _json(), nullable=False),
        sa.Column("conversation_digest", sa.String(128), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("decided_by", sa.String(255), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_approvals")),
        sa.CheckConstraint("status IN ('pending', 'approved', 'denied')", name=op.f("ck_approvals_status")),
    )
    op.create_index("ix_approvals_status_created_at", "approvals", ["status", "created_at"])
    op.create_index("ix_approvals_operator_created_at", "approvals", ["operator", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_approvals_operator_created_at", table_name="approvals")
    op.drop_index("ix_approvals_status_created_at", table_name="approvals")
    op.drop_table("approvals")
