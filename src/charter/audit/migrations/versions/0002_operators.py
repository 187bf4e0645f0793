"""Operators, admin keys and oversight controls (schema documented in charter/audit/tables.py).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "operators",
        sa.Column("name", sa.String(63), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("policy_yaml", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_operators")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_operators_key_hash")),
    )
    op.create_table(
        "admin_keys",
        sa.Column("label", sa.String(63), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("label", name=op.f("pk_admin_keys")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_admin_keys_key_hash")),
    )
    op.create_table(
        "controls",
        sa.Column("scope", sa.String(63), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("set_by", sa.String(255), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("scope", name=op.f("pk_controls")),
        sa.CheckConstraint("state IN ('active', 'paused', 'stopped')", name=op.f("ck_controls_state")),
    )
    op.create_table(
        "control_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("scope", sa.String(63), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("set_by", sa.String(255), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_control_events")),
        sa.CheckConstraint("action IN ('pause', 'resume', 'stop')", name=op.f("ck_control_events_action")),
    )
    op.create_index("ix_control_events_at", "control_events", ["at"])


def downgrade() -> None:
    op.drop_index("ix_control_events_at", table_name="control_events")
    op.drop_table("control_events")
    op.drop_table("controls")
    op.drop_table("admin_keys")
    op.drop_table("operators")
