"""Messages and candidates keep their link previews

Revision ID: 008
Revises: 007
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "008"
down_revision: str | None = "007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("raw_slack_messages", "event_candidates")
COMMENT = "unfurled links: [{title, text, service, url}] as plain text"


def upgrade() -> None:
    # Plain ALTER TABLE, not batch mode: a batch rebuild on SQLite would drop migration 006's
    # search triggers on raw_slack_messages.
    column_type = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
    for table in TABLES:
        column = sa.Column("link_previews", column_type, nullable=True, comment=COMMENT)
        op.add_column(table, column)


def downgrade() -> None:
    for table in TABLES:
        op.drop_column(table, "link_previews")  # SQLite >= 3.35 drops in place, triggers kept
