"""Slack digest posts

Revision ID: 003
Revises: 002
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "003"
down_revision: str | None = "002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "slack_digest_posts",
        sa.Column("partition_hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("target", sa.String(length=64), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column(
            "message_ts",
            sa.String(length=32),
            nullable=False,
            comment="the posted message, for chat.update",
        ),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("partition_hour", "target"),
    )


def downgrade() -> None:
    op.drop_table("slack_digest_posts")
