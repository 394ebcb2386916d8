"""Read-only queries behind the events dashboard: DataFrames from an Engine, no Streamlit.

Every function takes the project's Engine (storage/engine.get_engine), works the same on SQLite
and PostgreSQL, and only SELECTs. Text search is storage/search.py's (the database's own
full-text index); `search_events` and the timeline's text filter both go through it.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import (
    Date,
    Engine,
    Select,
    Table,
    cast,
    false,
    func,
    select,
    tuple_,
)

from slack_events_dagster.settings import DatabaseSettings
from slack_events_dagster.storage import search
from slack_events_dagster.storage.engine import get_engine
from slack_events_dagster.storage.schema import (
    UTCDateTime,
    digests,
    event_candidates,
    events,
    raw_slack_messages,
    slack_digest_posts,
)

EVENT_COLUMNS = (
    "event_id", "title", "category", "status", "event_date", "event_end", "date_precision",
    "event_timezone", "confidence", "channel_id", "channel_name", "message_ts", "message_time",
    "permalink", "summary", "dedup_key", "extractor", "partition_hour",
)  # fmt: skip
HOUR_KEY = "%Y-%m-%d-%H:%M"  # a digest's hour as Dagster names its partition
DEFAULT_DAYS_AHEAD = 90  # the timeline's default range: the data's day and this many after it
SEARCH_LIMIT = 500  # search results shown at most (newest announcements first)
COUNT_KINDS = ("messages", "candidates", "events")


@dataclass(frozen=True)
class EventFilter:
    """What the timeline shows: each unset field lets every event through."""

    channels: tuple[str, ...] = ()  # channel names
    categories: tuple[str, ...] = ()
    min_confidence: float = 0.0
    start: datetime | None = None  # event_date >= start
    end: datetime | None = None  # event_date < end
    text: str = ""  # a search query (storage/search.py): every word must match


def hour_key(hour: datetime) -> str:
    return hour.astimezone(UTC).strftime(HOUR_KEY)


def parse_hour_key(text: str | None) -> datetime | None:
    """A partition key back to its UTC hour; None for anything else (a hand-edited URL)."""
    try:
        return datetime.strptime(text or "", HOUR_KEY).replace(tzinfo=UTC)
    except ValueError:
        return None


def default_date_range(as_of: datetime) -> tuple[date, date]:
    """The timeline's first dates: from the data's 'now' (data_as_of) DEFAULT_DAYS_AHEAD on."""
    return as_of.date(), as_of.date() + timedelta(days=DEFAULT_DAYS_AHEAD)


def read_only_engine(database: DatabaseSettings) -> Engine:
    """The project's engine for `database`; on PostgreSQL every transaction is READ ONLY, so the
    dashboard cannot write even by mistake (SQLite: the queries here only SELECT)."""
    engine = get_engine(database)
    if database.type == "postgres":
        return engine.execution_options(postgresql_readonly=True)
    return engine


def _frame(engine: Engine, query: Select[Any], columns: Sequence[str]) -> pd.DataFrame:
    """Run `query` and return its rows (SQLAlchemy's types applied: UTC datetimes, JSON)."""
    with engine.connect() as connection:
        rows = [dict(row) for row in connection.execute(query).mappings()]
    frame = pd.DataFrame(rows, columns=list(columns))
    for column in query.selected_columns:  # datetime64[UTC] even when every value is NULL
        if isinstance(column.type, UTCDateTime) and column.name in frame:
            frame[column.name] = pd.to_datetime(frame[column.name], utc=True)
    return frame


def _event_columns() -> list[Any]:
    return [events.c[name] for name in EVENT_COLUMNS]


def data_as_of(engine: Engine) -> datetime | None:
    """The newest stored message's time: 'now' for the data (the sample's last day, say)."""
    with engine.connect() as connection:
        return connection.execute(select(func.max(raw_slack_messages.c.message_time))).scalar()


def filter_choices(engine: Engine) -> dict[str, list[str]]:
    """The channel names and categories events have, for the timeline's filters."""
    with engine.connect() as connection:
        channels = connection.execute(
            select(events.c.channel_name).distinct().order_by(events.c.channel_name)
        ).scalars()
        categories = connection.execute(
            select(events.c.category).distinct().order_by(events.c.category)
        ).scalars()
        return {"channels": list(channels), "categories": list(categories)}


def search_events(
    engine: Engine,
    query: str,
    *,
    since: datetime | None = None,
    channel: str | None = None,
    limit: int = SEARCH_LIMIT,
) -> pd.DataFrame:
    """Events `query` finds in their title, summary or announcing message (storage/search.py:
    the database's full-text index), newest announcement first; `since` bounds the announcement
    time and `channel` is a channel name."""
    statement = search.search_statement(
        engine.dialect.name,
        query,
        [*_event_columns(), search.MESSAGE.c.text.label("message_text")],
        since=since,
        channel=channel,
        limit=limit,
    )
    if statement is None:
        return pd.DataFrame(columns=[*EVENT_COLUMNS, "message_text"])
    return _frame(engine, statement, [*EVENT_COLUMNS, "message_text"])


def timeline_events(engine: Engine, selection: EventFilter) -> pd.DataFrame:
    """Dated events that pass `selection`, in date order (undated events have no place on a
    timeline)."""
    statement = select(*_event_columns()).where(
        events.c.event_date.is_not(None), events.c.confidence >= selection.min_confidence
    )
    if selection.channels:
        statement = statement.where(events.c.channel_name.in_(selection.channels))
    if selection.categories:
        statement = statement.where(events.c.category.in_(selection.categories))
    if selection.start is not None:
        statement = statement.where(events.c.event_date >= selection.start)
    if selection.end is not None:
        statement = statement.where(events.c.event_date < selection.end)
    if selection.text.strip():
        found = search.matches_query(engine.dialect.name, selection.text)
        statement = statement.where(false() if found is None else found)
    statement = statement.order_by(events.c.event_date, events.c.event_id)
    return _frame(engine, statement, EVENT_COLUMNS)


def digest_targets(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        query = select(digests.c.target).distinct().order_by(digests.c.target)
        return list(connection.execute(query).scalars())


def digest_hours(engine: Engine, target: str) -> list[datetime]:
    """The partition hours a target has a digest for, newest first."""
    with engine.connect() as connection:
        query = (
            select(digests.c.partition_hour)
            .where(digests.c.target == target)
            .order_by(digests.c.partition_hour.desc())
        )
        return list(connection.execute(query).scalars())


def stored_digest(engine: Engine, target: str, hour: datetime) -> dict[str, Any] | None:
    """The digest row of a target and hour (Markdown, Block Kit blocks, entries), with its
    Slack post record under "post" (None when it was never posted)."""
    with engine.connect() as connection:
        row = (
            connection.execute(
                select(digests).where(digests.c.target == target, digests.c.partition_hour == hour)
            )
            .mappings()
            .first()
        )
        if row is None:
            return None
        post = (
            connection.execute(
                select(slack_digest_posts).where(
                    slack_digest_posts.c.target == target,
                    slack_digest_posts.c.partition_hour == hour,
                )
            )
            .mappings()
            .first()
        )
    return {**dict(row), "post": dict(post) if post else None}


def events_by_id(engine: Engine, event_ids: Iterable[str]) -> pd.DataFrame:
    """The stored events of a digest line (its `event_ids`), announcement order."""
    ids = list(event_ids)
    statement = (
        select(*_event_columns())
        .where(events.c.event_id.in_(ids))
        .order_by(events.c.message_time, events.c.event_index)
    )
    return _frame(engine, statement, EVENT_COLUMNS)


def _message_keys(frame: pd.DataFrame) -> list[tuple[str, str]]:
    return sorted(set(zip(frame["channel_id"], frame["message_ts"], strict=True)))


MESSAGE_COLUMNS = (
    "channel_id", "ts", "channel_name", "message_time", "user_name", "user_real_name", "text",
    "permalink", "thread_ts", "is_thread_reply", "reply_count", "reaction_count",
)  # fmt: skip


def _rows_for_messages(
    engine: Engine, table: Table, columns: Sequence[str], event_rows: pd.DataFrame
) -> pd.DataFrame:
    """The rows of a table keyed by (channel_id, ts) for the messages behind `event_rows`."""
    keys = _message_keys(event_rows)
    if not keys:
        return pd.DataFrame(columns=list(columns))
    statement = (
        select(*(table.c[name] for name in columns))
        .where(tuple_(table.c.channel_id, table.c.ts).in_(keys))
        .order_by(table.c.message_time)
    )
    return _frame(engine, statement, columns)


def source_messages(engine: Engine, event_rows: pd.DataFrame) -> pd.DataFrame:
    """The Slack messages that announced these events, with their permalinks."""
    return _rows_for_messages(engine, raw_slack_messages, MESSAGE_COLUMNS, event_rows)


CANDIDATE_COLUMNS = ("channel_id", "ts", "channel_name", "score", "threshold", "features")


def candidate_scores(engine: Engine, event_rows: pd.DataFrame) -> pd.DataFrame:
    """Each announcing message's candidate score, threshold and features (feature -> points):
    why the message passed on to extraction."""
    return _rows_for_messages(engine, event_candidates, CANDIDATE_COLUMNS, event_rows)


def score_features(candidates: pd.DataFrame) -> pd.DataFrame:
    """One row per (message, feature, points), largest contribution first: the score explained."""
    rows = [
        {"channel_id": c["channel_id"], "ts": c["ts"], "feature": name, "points": float(points)}
        for c in candidates.to_dict("records")
        for name, points in (c["features"] or {}).items()
    ]
    frame = pd.DataFrame(rows, columns=["channel_id", "ts", "feature", "points"])
    return frame.sort_values(["ts", "points"], ascending=[True, False], ignore_index=True)


def _utc_day(engine: Engine, column: Any) -> Any:
    """The UTC calendar day of a stored UTC timestamp, in the engine's SQL."""
    if engine.dialect.name == "postgresql":
        return cast(func.timezone("UTC", column), Date)
    return func.date(column)  # SQLite stores UTC text: YYYY-MM-DD HH:MM:SS


def daily_counts(engine: Engine, since: date | None = None) -> pd.DataFrame:
    """Messages, candidates and events per UTC day (of the message) and channel: columns day,
    channel, kind, count."""
    frames = []
    for kind, table in zip(
        COUNT_KINDS, (raw_slack_messages, event_candidates, events), strict=True
    ):
        day = _utc_day(engine, table.c.message_time).label("day")
        statement = (
            select(day, table.c.channel_name.label("channel"), func.count().label("count"))
            .group_by(day, table.c.channel_name)
            .order_by(day, table.c.channel_name)
        )
        frame = _frame(engine, statement, ["day", "channel", "count"])
        frame.insert(2, "kind", kind)
        frames.append(frame)
    counts = pd.concat(frames, ignore_index=True)
    counts["day"] = pd.to_datetime(counts["day"]).dt.date
    counts["count"] = counts["count"].astype(int)
    if since is not None:
        counts = counts[counts["day"] >= since].reset_index(drop=True)
    return counts
