"""Wider user ids and model names

Revision ID: 005
Revises: 004
Create Date: 2026-12-06

A user or bot id over 32 characters, or an OpenAI model name over 25 (stored as
"openai:<model>" in events.extractor), failed the whole range on PostgreSQL while SQLite stored
it. The columns are widened to 255 characters; longer values are cut the same way on both
databases (domain/messages.py, settings).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "005"
down_revision: str | None = "004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, column, old width, nullable)
WIDENED = (
    ("raw_slack_messages", "user_id", 32, True),
    ("raw_slack_messages", "bot_id", 32, True),
    ("raw_slack_messages", "edited_by", 32, True),
    ("events", "extractor", 32, False),
    ("llm_cache", "model", 128, False),
    ("llm_usage", "model", 128, False),
)
NEW_WIDTH = 255


def _alter(widen: bool) -> None:
    for table in dict.fromkeys(table for table, *_ in WIDENED):
        with op.batch_alter_table(table) as batch:
            for name, column, old, nullable in WIDENED:
                if name == table:
                    batch.alter_column(
                        column,
                        type_=sa.String(NEW_WIDTH if widen else old),
                        existing_type=sa.String(old if widen else NEW_WIDTH),
                        existing_nullable=nullable,
                    )


def upgrade() -> None:
    _alter(widen=True)


def downgrade() -> None:
    # Values longer than the old widths are cut first, or PostgreSQL refuses the narrowing.
    for table, column, old, _ in WIDENED:
        op.execute(
            sa.text(
                f"UPDATE {table} SET {column} = substr({column}, 1, {old}) "
                f"WHERE length({column}) > {old}"
            )
        )
    _alter(widen=False)
