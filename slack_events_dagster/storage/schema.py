"""SQLAlchemy Core tables: the single schema source for Alembic, the IO manager and queries.

Every asset table carries `partition_hour`, the UTC start of the hourly partition that wrote the
row; the IO manager (resources/io_manager.py) replaces rows by that column, which every table
asset names as its `partition_expr` (partitions.TABLE_ASSET_METADATA). Timestamps are stored as
UTC and read back tz-aware.

Full-text search adds index structures that are not tables here (GIN expression indexes on
PostgreSQL, FTS5 tables and triggers on SQLite): migration 006 and storage/search.py own them.
"""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeDecorator

metadata = MetaData()
# JSON text on SQLite, JSONB on PostgreSQL (migration 007); Python reads and writes the same values.
JSON_DOCUMENT = JSON().with_variant(JSONB(), "postgresql")
# The same for a nullable column: Python None is stored as SQL NULL, not as JSON null.
JSON_DOCUMENT_OR_NULL = JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")
# Migration 008 adds the column to both tables; NULL when a message has none (and on rows
# written before it).
PREVIEWS_COMMENT = "unfurled links: [{title, text, service, url}] as plain text"


def string_width(column: Column[Any]) -> int:
    """The declared width of a String column: the longest value it holds."""
    if not isinstance(column.type, String) or column.type.length is None:
        raise TypeError(f"{column} is not a String column with a width")
    return column.type.length


class UTCDateTime(TypeDecorator[datetime]):
    """Always UTC: aware in Python, UTC in every dialect (SQLite stores no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: timestamps must be timezone-aware")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


raw_slack_messages = Table(
    "raw_slack_messages",
    metadata,
    Column("channel_id", String(32), primary_key=True),
    Column("ts", String(32), primary_key=True, comment="Slack ts; compare as a decimal"),
    Column("partition_hour", UTCDateTime(), nullable=False),
    Column("message_time", UTCDateTime(), nullable=False),
    Column("channel_name", String(255), nullable=False),
    Column("user_id", String(255)),
    Column("user_name", String(255)),
    Column("user_real_name", String(255)),
    Column("bot_id", String(255)),
    Column("is_bot", Boolean, nullable=False),
    Column("subtype", String(64)),
    Column("text", Text, nullable=False),
    Column("blocks_text", Text),
    Column("mentions", JSON_DOCUMENT, nullable=False, comment="user id -> display name for <@U..>"),
    Column("thread_ts", String(32)),
    Column("is_thread_reply", Boolean, nullable=False),
    Column("reply_count", Integer, nullable=False),
    Column("reactions", JSON_DOCUMENT, nullable=False, comment="emoji name -> count"),
    Column("reaction_count", Integer, nullable=False),
    Column("attachment_count", Integer, nullable=False),
    Column("file_count", Integer, nullable=False),
    Column("link_previews", JSON_DOCUMENT_OR_NULL, comment=PREVIEWS_COMMENT),
    Column("permalink", Text),
    Column("edited_ts", String(32)),
    Column("edited_by", String(255)),
    Index("idx_raw_slack_messages_partition", "partition_hour"),
)

event_candidates = Table(
    "event_candidates",
    metadata,
    Column("channel_id", String(32), primary_key=True),
    Column("ts", String(32), primary_key=True),
    Column("partition_hour", UTCDateTime(), nullable=False),
    Column("message_time", UTCDateTime(), nullable=False),
    Column("channel_name", String(255), nullable=False),
    Column("user_name", String(255)),
    Column("thread_ts", String(32)),
    Column("thread_parent_text", Text, comment="a reply's thread parent, read as its context"),
    Column("permalink", Text),
    Column("text_normalized", Text, nullable=False),
    Column("links", JSON_DOCUMENT, nullable=False),
    Column("anchors", JSON_DOCUMENT, nullable=False),
    Column("link_previews", JSON_DOCUMENT_OR_NULL, comment=PREVIEWS_COMMENT),
    Column("score", Float, nullable=False),
    Column("threshold", Float, nullable=False),
    Column(
        "features", JSON_DOCUMENT, nullable=False, comment="feature -> points, explains the score"
    ),
    Index("idx_event_candidates_partition", "partition_hour"),
)

events = Table(
    "events",
    metadata,
    Column("event_id", String(64), primary_key=True, comment="hash of channel, ts and index"),
    Column("partition_hour", UTCDateTime(), nullable=False),
    Column("channel_id", String(32), nullable=False),
    Column("channel_name", String(255), nullable=False),
    Column("message_ts", String(32), nullable=False),
    Column("message_time", UTCDateTime(), nullable=False),
    Column("permalink", Text),
    Column("event_index", Integer, nullable=False),
    Column("title", String(140), nullable=False),
    Column("category", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("event_date", UTCDateTime()),
    Column("event_end", UTCDateTime()),
    Column("date_precision", String(16)),
    Column("date_source", String(16), nullable=False),
    Column("event_timezone", String(64), nullable=False),
    Column("confidence", Float, nullable=False),
    Column("summary", Text, nullable=False),
    Column("links", JSON_DOCUMENT, nullable=False),
    Column("anchors", JSON_DOCUMENT, nullable=False),
    Column("dedup_key", String(64), nullable=False),
    Column("extractor", String(255), nullable=False),
    Index("idx_events_dedup_key", "dedup_key"),
    Index("idx_events_date", "event_date"),
    Index("idx_events_partition", "partition_hour"),
    Index("idx_events_message", "channel_id", "message_ts"),
)

digests = Table(
    "digests",
    metadata,
    Column("partition_hour", UTCDateTime(), primary_key=True),
    Column("target", String(64), primary_key=True),
    Column("window_start", UTCDateTime(), nullable=False),
    Column("window_end", UTCDateTime(), nullable=False),
    Column("event_count", Integer, nullable=False),
    Column(
        "entries", JSON_DOCUMENT, nullable=False, comment="the deduplicated events with all sources"
    ),
    Column("markdown", Text, nullable=False),
    Column("blocks", JSON_DOCUMENT, nullable=False, comment="Slack Block Kit blocks"),
)

llm_cache = Table(
    "llm_cache",
    metadata,
    Column(
        "cache_key", String(64), primary_key=True, comment="sha256(prompt version, model, input)"
    ),
    Column("prompt_version", String(16), nullable=False),
    Column("model", String(255), nullable=False),
    Column("response", Text, nullable=False, comment="the model's validated JSON answer"),
    Column("prompt_tokens", Integer, nullable=False),
    Column("completion_tokens", Integer, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

llm_usage = Table(
    "llm_usage",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("day", String(10), nullable=False, comment="UTC day of the call, for the daily budget"),
    Column("model", String(255), nullable=False),
    Column("prompt_tokens", Integer, nullable=False),
    Column("completion_tokens", Integer, nullable=False),
    Column("cost_usd", Float, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Index("idx_llm_usage_day", "day"),
)

slack_digest_posts = Table(
    "slack_digest_posts",
    metadata,
    Column("partition_hour", UTCDateTime(), primary_key=True),
    Column("target", String(64), primary_key=True),
    Column("channel_id", String(32), nullable=False),
    Column("message_ts", String(32), nullable=False, comment="the posted message, for chat.update"),
    Column("posted_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)

ASSET_TABLES: dict[str, Table] = {
    table.name: table for table in (raw_slack_messages, event_candidates, events, digests)
}
PARTITION_COLUMN = "partition_hour"


def utc(value: datetime) -> datetime:
    """An aware datetime in UTC (naive values are taken to be UTC already)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
