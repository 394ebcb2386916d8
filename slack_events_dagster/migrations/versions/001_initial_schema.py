"""Initial schema

Revision ID: 001
Revises:
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "digests",
        sa.Column("partition_hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("target", sa.String(length=64), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("window_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("event_count", sa.Integer(), nullable=False),
        sa.Column(
            "entries", sa.JSON(), nullable=False, comment="the deduplicated events with all sources"
        ),
        sa.Column("markdown", sa.Text(), nullable=False),
        sa.Column("blocks", sa.JSON(), nullable=False, comment="Slack Block Kit blocks"),
        sa.PrimaryKeyConstraint("partition_hour", "target"),
    )
    op.create_table(
        "event_candidates",
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("ts", sa.String(length=32), nullable=False),
        sa.Column("partition_hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("message_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channel_name", sa.String(length=255), nullable=False),
        sa.Column("user_name", sa.String(length=255), nullable=True),
        sa.Column("thread_ts", sa.String(length=32), nullable=True),
        sa.Column("permalink", sa.Text(), nullable=True),
        sa.Column("text_normalized", sa.Text(), nullable=False),
        sa.Column("links", sa.JSON(), nullable=False),
        sa.Column("anchors", sa.JSON(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.Column(
            "features", sa.JSON(), nullable=False, comment="feature -> points, explains the score"
        ),
        sa.PrimaryKeyConstraint("channel_id", "ts"),
    )
    op.create_index("idx_event_candidates_partition", "event_candidates", ["partition_hour"])

    op.create_table(
        "events",
        sa.Column(
            "event_id",
            sa.String(length=64),
            nullable=False,
            comment="hash of channel, ts and index",
        ),
        sa.Column("partition_hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("channel_name", sa.String(length=255), nullable=False),
        sa.Column("message_ts", sa.String(length=32), nullable=False),
        sa.Column("message_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("permalink", sa.Text(), nullable=True),
        sa.Column("event_index", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=140), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("event_date", sa.DateTime(timezone=True), nullable=True),
        sa.Column("event_end", sa.DateTime(timezone=True), nullable=True),
        sa.Column("date_precision", sa.String(length=16), nullable=True),
        sa.Column("date_source", sa.String(length=16), nullable=False),
        sa.Column("event_timezone", sa.String(length=64), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("links", sa.JSON(), nullable=False),
        sa.Column("anchors", sa.JSON(), nullable=False),
        sa.Column("dedup_key", sa.String(length=64), nullable=False),
        sa.Column("extractor", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("event_id"),
    )
    op.create_index("idx_events_date", "events", ["event_date"])
    op.create_index("idx_events_dedup_key", "events", ["dedup_key"])
    op.create_index("idx_events_partition", "events", ["partition_hour"])

    op.create_table(
        "raw_slack_messages",
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column(
            "ts", sa.String(length=32), nullable=False, comment="Slack ts; compare as a decimal"
        ),
        sa.Column("partition_hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("message_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channel_name", sa.String(length=255), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=True),
        sa.Column("user_name", sa.String(length=255), nullable=True),
        sa.Column("user_real_name", sa.String(length=255), nullable=True),
        sa.Column("bot_id", sa.String(length=32), nullable=True),
        sa.Column("is_bot", sa.Boolean(), nullable=False),
        sa.Column("subtype", sa.String(length=64), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("blocks_text", sa.Text(), nullable=True),
        sa.Column(
            "mentions", sa.JSON(), nullable=False, comment="user id -> display name for <@U..>"
        ),
        sa.Column("thread_ts", sa.String(length=32), nullable=True),
        sa.Column("is_thread_reply", sa.Boolean(), nullable=False),
        sa.Column("reply_count", sa.Integer(), nullable=False),
        sa.Column("reactions", sa.JSON(), nullable=False, comment="emoji name -> count"),
        sa.Column("reaction_count", sa.Integer(), nullable=False),
        sa.Column("attachment_count", sa.Integer(), nullable=False),
        sa.Column("file_count", sa.Integer(), nullable=False),
        sa.Column("permalink", sa.Text(), nullable=True),
        sa.Column("edited_ts", sa.String(length=32), nullable=True),
        sa.Column("edited_by", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("channel_id", "ts"),
    )
    op.create_index("idx_raw_slack_messages_partition", "raw_slack_messages", ["partition_hour"])


def downgrade() -> None:
    op.drop_index("idx_raw_slack_messages_partition", table_name="raw_slack_messages")
    op.drop_table("raw_slack_messages")
    op.drop_index("idx_events_partition", table_name="events")
    op.drop_index("idx_events_dedup_key", table_name="events")
    op.drop_index("idx_events_date", table_name="events")
    op.drop_table("events")
    op.drop_index("idx_event_candidates_partition", table_name="event_candidates")
    op.drop_table("event_candidates")
    op.drop_table("digests")
