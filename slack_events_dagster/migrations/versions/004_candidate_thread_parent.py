"""Candidates keep their thread parent's text

Revision ID: 004
Revises: 003
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "004"
down_revision: str | None = "003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("event_candidates") as batch:
        batch.add_column(
            sa.Column(
                "thread_parent_text",
                sa.Text(),
                nullable=True,
                comment="a reply's thread parent, read as its context",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("event_candidates") as batch:
        batch.drop_column("thread_parent_text")
