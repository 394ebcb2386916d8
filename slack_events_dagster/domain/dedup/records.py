"""What dedup reads and writes: an extracted event (a row of `events`) and a merged digest line."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class EventRecord:
    """An extracted event as the digest sees it (one row of the `events` table)."""

    event_id: str
    dedup_key: str
    title: str
    category: str
    status: str
    event_date: datetime | None
    event_end: datetime | None
    date_precision: str | None
    event_timezone: str
    confidence: float
    channel_id: str
    channel_name: str
    message_ts: str
    message_time: datetime
    permalink: str | None
    links: tuple[str, ...] = ()
    anchors: tuple[str, ...] = ()  # "kind:value"

    @property
    def message(self) -> tuple[str, str]:
        return (self.channel_id, self.message_ts)

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> "EventRecord":
        """From an `events` table row (plain Python values)."""
        return cls(
            event_id=row["event_id"],
            dedup_key=row["dedup_key"],
            title=row["title"],
            category=row["category"],
            status=row["status"],
            event_date=row["event_date"],
            event_end=row["event_end"],
            date_precision=row["date_precision"],
            event_timezone=row["event_timezone"],
            confidence=float(row["confidence"]),
            channel_id=row["channel_id"],
            channel_name=row["channel_name"],
            message_ts=row["message_ts"],
            message_time=row["message_time"],
            permalink=row["permalink"],
            links=tuple(row["links"] or ()),
            anchors=tuple(f"{a['kind']}:{a['value']}" for a in row["anchors"] or ()),
        )


@dataclass(frozen=True, slots=True)
class Source:
    channel_id: str
    channel_name: str
    message_ts: str
    message_time: datetime
    permalink: str | None


@dataclass(frozen=True, slots=True)
class MergedEvent:
    """One digest line: every announcement of the same event, merged."""

    dedup_key: str  # the smallest member key: stable whatever the processing order
    title: str
    category: str
    status: str
    event_date: datetime | None
    event_end: datetime | None
    date_precision: str | None
    event_timezone: str
    confidence: float
    first_announced: datetime
    last_announced: datetime
    sources: tuple[Source, ...]
    links: tuple[str, ...]
    previous_date: datetime | None = None  # set when a later announcement moved the date
    event_ids: tuple[str, ...] = ()
